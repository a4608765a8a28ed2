# Man pages generated from the program's own --help at build time: qblink(1) and one page per
# command (qblink-user(1), qblink-customers(1), ...). Optional: without help2man (Debian package
# help2man) nothing is generated and the build goes on.
find_program(HELP2MAN help2man)
if(NOT HELP2MAN OR NOT TARGET qblink)
  message(STATUS "help2man not found: no man pages (apt-get install help2man)")
  return()
endif()

set(QBLINK_MAN_DIR ${PROJECT_BINARY_DIR}/man)
file(MAKE_DIRECTORY ${QBLINK_MAN_DIR})
set(qblink_man_pages)
set(qblink_man_commands user customers suppliers quickbooks review adds log qwc serve simulate demo)
foreach(command "" ${qblink_man_commands})
  if(command STREQUAL "")
    set(page ${QBLINK_MAN_DIR}/qblink.1)
    set(help_option "--help")
    set(name "link a field-service app's customers and suppliers to QuickBooks Desktop")
  else()
    set(page ${QBLINK_MAN_DIR}/qblink-${command}.1)
    set(help_option "${command} --help")
    set(name "qblink ${command}")
  endif()
  add_custom_command(OUTPUT ${page}
    COMMAND ${HELP2MAN} --no-info --section=1 --name=${name}
            --version-string=${PROJECT_VERSION} --help-option=${help_option}
            --output=${page} $<TARGET_FILE:qblink>
    DEPENDS qblink
    COMMENT "man page ${page}" VERBATIM)
  list(APPEND qblink_man_pages ${page})
endforeach()
add_custom_target(qblink_man ALL DEPENDS ${qblink_man_pages})
include(GNUInstallDirs)
install(FILES ${qblink_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 OPTIONAL)
