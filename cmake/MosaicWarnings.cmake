# Warnings for the project's own targets (third-party headers are included as SYSTEM).
add_library(mosaic_warnings INTERFACE)
target_compile_options(mosaic_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<BOOL:${MOSAIC_WERROR}>:-Werror>)
