# End-to-end tests: the real forkguard binary on fixture projects, and the
# real pytest / pytest-xdist / pre-commit programs from Debian.
find_program(FG_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT FG_PYTHON3)
  message(FATAL_ERROR "/usr/bin/python3 not found: install python3")
endif()

add_test(NAME golden
         COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/golden.py $<TARGET_FILE:forkguard>
                 ${CMAKE_SOURCE_DIR}/fixtures)

# Property: the order files are created in (and so readdir's order) does not
# change the output.
add_test(NAME shuffle
         COMMAND ${FG_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/e2e/shuffle.py
                 $<TARGET_FILE:forkguard> ${CMAKE_SOURCE_DIR}/fixtures)
