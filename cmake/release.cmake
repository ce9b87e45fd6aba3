# Release builds (./dev.sh release): one forkguard file that runs on any x86_64
# Linux, the same bytes from any checkout directory.
#
# FG_RELEASE=ON links everything statically: glibc's libc.a and Debian's
# libyaml.a, libtree-sitter.a and libinih.a (the grammars are compiled in
# already). glibc's static libc is safe here because forkguard calls none of
# the functions that would load shared objects at run time (NSS: getpwnam,
# getaddrinfo...; iconv; dlopen) — tests/release checks the binary has no
# dynamic section and runs it in an empty chroot. Paths of the source and
# build trees are mapped away (-ffile-prefix-map) and the binary is stripped,
# so no path, timestamp or host name is left in it.
option(FG_RELEASE "Static, stripped, reproducible forkguard (./dev.sh release)" OFF)

if(FG_RELEASE)
  if(FG_SANITIZE)
    message(FATAL_ERROR "FG_RELEASE and FG_SANITIZE cannot be combined")
  endif()
  # pkg-config's imported targets name the shared libraries; point them at the
  # static archives next to them.
  foreach(pkg YAML:yaml TREESITTER:tree-sitter INIH:inih)
    string(REPLACE ":" ";" pair "${pkg}")
    list(GET pair 0 var)
    list(GET pair 1 lib)
    find_library(FG_${var}_ARCHIVE NAMES lib${lib}.a HINTS ${${var}_LIBRARY_DIRS})
    if(NOT FG_${var}_ARCHIVE)
      message(FATAL_ERROR "lib${lib}.a not found: FG_RELEASE links it statically "
                          "(Debian ships it in the -dev package)")
    endif()
    set_property(TARGET PkgConfig::${var} PROPERTY INTERFACE_LINK_LIBRARIES
                                                   "${FG_${var}_ARCHIVE}")
  endforeach()

  # every C target of this directory, whatever the engine's layout is
  get_property(fg_targets DIRECTORY "${CMAKE_SOURCE_DIR}" PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${fg_targets})
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "EXECUTABLE")
      target_compile_options(${t} PRIVATE "-ffile-prefix-map=${CMAKE_SOURCE_DIR}/="
                                          "-ffile-prefix-map=${CMAKE_BINARY_DIR}/=")
    endif()
  endforeach()
  target_link_options(forkguard PRIVATE -static -s -Wl,--build-id=sha1)
endif()
