# mosaic_add_plugin(<name> SOURCES <src>... [LIBRARIES <lib>...] [OUTPUT_DIRECTORY <dir>])
#
# Builds a Mosaic plugin: a MODULE library named exactly <name>.so (no "lib" prefix), C++20,
# hidden visibility (only the MOSAIC_PLUGIN descriptor is exported), linked to Mosaic::sdk.
# The engine finds it as `plugin: <name>` in any directory listed in `plugins.paths`.
#
# Output goes to OUTPUT_DIRECTORY, else ${MOSAIC_PLUGIN_OUTPUT_DIR} when that is set (the Mosaic
# tree sets it to build/plugins), else the usual library output directory.
#
# One file for both uses: the Mosaic tree includes it from sdk/CMakeLists.txt, and the
# mosaic-sdk-dev package installs it beside MosaicSdkConfig.cmake (find_package(MosaicSdk)).
include_guard(GLOBAL)

function(mosaic_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "mosaic_add_plugin(${name}): SOURCES is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mosaic_add_plugin(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9_-]+$")
    message(FATAL_ERROR "mosaic_add_plugin(${name}): a plugin name is letters, digits, '_' and '-'")
  endif()

  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE Mosaic::sdk ${ARG_LIBRARIES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    OUTPUT_NAME ${name}
    CXX_EXTENSIONS OFF
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(MOSAIC_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${MOSAIC_PLUGIN_OUTPUT_DIR})
  endif()
endfunction()
