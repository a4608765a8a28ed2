# Warnings and sanitizers as INTERFACE targets: our libraries link them, generated code does not.
add_library(qblink_warnings INTERFACE)
target_compile_options(qblink_warnings INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${QBLINK_WERROR}>:-Werror>)

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

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
