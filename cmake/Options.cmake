# Build policy. Warnings are errors only where we can fix them at once: our own development and
# CI (`.ci/run` passes -DQBLINK_WERROR=ON explicitly). A packager or a user building a release
# gets the warnings, never a failed build from a new compiler's new (or false-positive) warning:
# the default is OFF when qblink is a subproject, when the build type is Release, MinSizeRel or
# None (what debhelper passes), or when the environment says a package is being built
# (QBLINK_PACKAGING set, or dpkg-buildpackage's DEB_BUILD_OPTIONS / DEB_HOST_ARCH).
set(_qblink_werror_default ON)
string(TOUPPER "${CMAKE_BUILD_TYPE}" _qblink_build_type)
if(NOT PROJECT_IS_TOP_LEVEL
   OR _qblink_build_type MATCHES "^(RELEASE|MINSIZEREL|NONE)$"
   OR DEFINED ENV{QBLINK_PACKAGING}
   OR DEFINED ENV{DEB_BUILD_OPTIONS}
   OR DEFINED ENV{DEB_HOST_ARCH})
  set(_qblink_werror_default OFF)
endif()
option(QBLINK_WERROR "Treat warnings in our own code as errors (default: top-level development builds)"
       ${_qblink_werror_default})
option(QBLINK_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(QBLINK_TSAN "Build with ThreadSanitizer (not with QBLINK_SANITIZE)" OFF)
option(QBLINK_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)
option(QBLINK_PCH "Precompile the CLI layer's heavy headers (CLI11, nlohmann/json)" ON)
# Unity builds: each layer's files compiled a few at a time as one translation unit, so the
# headers and the templates they share (CLI11, nlohmann/json, fmt) are parsed and instantiated
# once per batch. deploy/run.sh and the package build turn it on for a faster first build;
# development keeps it off (an edit recompiles one file, and clang-tidy reads per-file commands).
option(QBLINK_UNITY "Unity builds of the layers (faster from-scratch builds)" OFF)
if(QBLINK_SANITIZE AND QBLINK_TSAN)
  message(FATAL_ERROR "QBLINK_SANITIZE and QBLINK_TSAN cannot be combined")
endif()

# Warnings and sanitizers as INTERFACE targets: our libraries link them, generated code does not.
add_library(qblink_warnings INTERFACE)
target_compile_options(qblink_warnings INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${QBLINK_WERROR}>:-Werror>)
# GCC 12's optimiser reports libstdc++'s own string copies as overlapping or overflowing at -O2
# and above (GCC bugs 105329, 105651: e.g. "literal" + std::string): shown, never fatal.
if(QBLINK_WERROR AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND
   CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(qblink_warnings INTERFACE -Wno-error=restrict
    -Wno-error=stringop-overflow -Wno-error=stringop-overread -Wno-error=array-bounds)
endif()

add_library(qblink_sanitizers INTERFACE)
if(QBLINK_SANITIZE)
  target_compile_options(qblink_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(qblink_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# Every target of ours (generated code included) must agree on sanitizer instrumentation.
if(QBLINK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(QBLINK_TSAN)
  # GCC 12 warns that TSan does not model the atomic_thread_fence in Asio's std_fenced_block
  # (-Wtsan); Asio's handler hand-off is also ordered by its mutexes, which TSan does see.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer
                      $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  add_link_options(-fsanitize=thread)
endif()
# The fuzz targets' libraries carry the fuzzer's coverage instrumentation and ASan; only the
# fuzz target executables link libFuzzer's main (fuzz/CMakeLists.txt).
if(QBLINK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "QBLINK_FUZZ needs clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  # ccache caches precompiled-header builds only with these sloppiness settings. Paths are
  # hashed relative to the checkout and the build folder's own path is not hashed, so another
  # clone or worktree (CI's clean clone, a second flavour's folder) reuses the same entries.
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} CCACHE_NOHASHDIR=true ${CCACHE_PROGRAM})
endif()
