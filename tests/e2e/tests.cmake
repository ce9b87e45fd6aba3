# End-to-end tests: the real forkguard binary on fixture projects, and the
# real pytest / pytest-xdist / pre-commit programs from Debian.
find_program(FG_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT FG_PYTHON3)
  message(FATAL_ERROR "/usr/bin/python3 not found: install python3")
endif()

# The tests keep forkguard's summary cache in the build folder, not in the
# fixture projects (whose trees they compare); tests/e2e/test_cache.py checks
# the cache at its default place.
set(FG_TEST_CACHE "FORKGUARD_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache")

add_test(NAME golden
         COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/golden.py $<TARGET_FILE:forkguard>
                 ${CMAKE_SOURCE_DIR}/fixtures)
# Property: the same again with every summary from the cache the first run
# filled (in its own folder, so nothing else warms it first) gives the same
# bytes; and so does a report the run cache stores and then replays.
add_test(NAME golden-cold
         COMMAND ${CMAKE_COMMAND} -E rm -rf ${CMAKE_BINARY_DIR}/golden-cache)
add_test(NAME golden-warm-fill
         COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/golden.py $<TARGET_FILE:forkguard>
                 ${CMAKE_SOURCE_DIR}/fixtures)
add_test(NAME golden-warm
         COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/golden.py $<TARGET_FILE:forkguard>
                 ${CMAKE_SOURCE_DIR}/fixtures --expect-cache-hits)
set_tests_properties(golden PROPERTIES ENVIRONMENT "${FG_TEST_CACHE}")
set_tests_properties(golden-cold PROPERTIES FIXTURES_SETUP golden_cache_empty)
set_tests_properties(golden-warm-fill PROPERTIES
                     ENVIRONMENT "FORKGUARD_CACHE_DIR=${CMAKE_BINARY_DIR}/golden-cache"
                     FIXTURES_REQUIRED golden_cache_empty FIXTURES_SETUP golden_cache_full)
set_tests_properties(golden-warm PROPERTIES
                     ENVIRONMENT "FORKGUARD_CACHE_DIR=${CMAKE_BINARY_DIR}/golden-cache"
                     FIXTURES_REQUIRED golden_cache_full)

# pytest-driven end-to-end tests (tests/e2e/test_*.py), run with Debian's
# pytest against the built binary.
add_test(NAME e2e
         COMMAND ${FG_PYTHON3} -m pytest -q -p no:cacheprovider -n 2 ${CMAKE_SOURCE_DIR}/tests/e2e)
# FORKGUARD_BUILD_DIR: test_install.py runs `cmake --install` on this build.
set_tests_properties(e2e PROPERTIES ENVIRONMENT
                     "FORKGUARD_BIN=$<TARGET_FILE:forkguard>;FORKGUARD_BUILD_DIR=${CMAKE_BINARY_DIR};${FG_TEST_CACHE}")

# Property: the order files are created in (and so readdir's order) does not
# change the output.
add_test(NAME shuffle
         COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/e2e/shuffle.py
                 $<TARGET_FILE:forkguard> ${CMAKE_SOURCE_DIR}/fixtures)
set_tests_properties(shuffle PROPERTIES ENVIRONMENT "${FG_TEST_CACHE}")

# Property: LF, CRLF and lone-CR line endings give the same findings and
# fixes, and a fix keeps the file's own line ending.
if(FG_SANITIZE)
  set(FG_EOL_FILTER "/fix/,/bad/")
else()
  set(FG_EOL_FILTER "")
endif()
add_test(NAME eol
         COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/e2e/eol.py
                 $<TARGET_FILE:forkguard> ${CMAKE_SOURCE_DIR}/fixtures ${FG_EOL_FILTER})
set_tests_properties(eol PROPERTIES ENVIRONMENT "${FG_TEST_CACHE}")

# The house's dependency rule (docs/ARCHITECTURE.md): includes point one way.
add_test(NAME layers COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/layers.py
                             ${CMAKE_SOURCE_DIR})

# The release artifacts (tests/release): `./dev.sh release` once, then the
# static binary, the wheel and the .deb installed and run as users would. The
# artifacts are built without sanitizers whichever build runs the suite, so the
# sanitizer build does not build and test them a second time.
if(NOT FG_SANITIZE)
  add_test(NAME release
           COMMAND ${FG_PYTHON3} -m pytest -q -p no:cacheprovider ${CMAKE_SOURCE_DIR}/tests/release)
  set_tests_properties(release PROPERTIES TIMEOUT 900 ENVIRONMENT
                       "FORKGUARD_BIN=$<TARGET_FILE:forkguard>;FORKGUARD_RELEASE_BUILD=${CMAKE_BINARY_DIR}/release-build;${FG_TEST_CACHE}")
endif()
