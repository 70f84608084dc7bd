# Finds the Qt 6 components and SQLite, and when one is missing stops the
# configure step with the Debian package to install, not CMake's stack.
#
# Each entry is COMPONENT=debian-package. Qt components that others need come
# first, so a missing dependency is named rather than the component that needs
# it: Qt6Charts cannot be found without Qt6OpenGL (libqt6opengl6-dev), which
# Debian 12's qt6-charts-dev does not pull in.
function(microcosm_find_qt)
  foreach(entry IN LISTS ARGN)
    string(REPLACE "=" ";" pair "${entry}")
    list(GET pair 0 component)
    list(GET pair 1 package)
    find_package(Qt6 6.4 QUIET COMPONENTS ${component})
    if(NOT Qt6${component}_FOUND)
      message(FATAL_ERROR
        "Qt 6 ${component} (6.4 or newer) was not found. On Debian 12 install the package "
        "${package}:\n    apt-get install ${package}\n"
        "or run `bash scripts/deps.sh`, which installs every package Microcosm needs.")
    endif()
  endforeach()
endfunction()

function(microcosm_find_sqlite)
  find_package(SQLite3 QUIET)
  if(NOT SQLite3_FOUND)
    message(FATAL_ERROR
      "SQLite 3 was not found. On Debian 12 install the package libsqlite3-dev:\n"
      "    apt-get install libsqlite3-dev\n"
      "or run `bash scripts/deps.sh`, which installs every package Microcosm needs.")
  endif()
endfunction()
