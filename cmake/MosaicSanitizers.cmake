# Sanitizer and fuzzing builds.
#   MOSAIC_SANITIZE: ASan+UBSan on everything (the whole test suite runs under it).
#   MOSAIC_FUZZ: clang only; implies MOSAIC_SANITIZE and adds libFuzzer's coverage
#     instrumentation (-fsanitize=fuzzer-no-link) to everything, so one build tree serves both the
#     sanitizer test run and the fuzz targets (tests/fuzz links -fsanitize=fuzzer on those alone).
#     The sanitizer runtime supplies no-op coverage callbacks to every other binary.
#   MOSAIC_TSAN: ThreadSanitizer; combines with neither.
if(MOSAIC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MOSAIC_FUZZ needs clang (libFuzzer): configure a fresh build directory "
                        "with CC=clang CXX=clang++")
  endif()
  set(MOSAIC_SANITIZE ON CACHE BOOL "Build with AddressSanitizer and UndefinedBehaviorSanitizer" FORCE)
endif()
if(MOSAIC_SANITIZE AND MOSAIC_TSAN)
  message(FATAL_ERROR "MOSAIC_SANITIZE (or MOSAIC_FUZZ) and MOSAIC_TSAN cannot be combined")
endif()
if(MOSAIC_SANITIZE OR MOSAIC_TSAN)
  # -O1 in Debug: the sanitizers' own advice; the suite and the fuzzers run several times faster
  # than at -O0 and the stacks stay readable.
  add_compile_options(-fno-omit-frame-pointer $<$<CONFIG:Debug>:-O1>)
endif()
if(MOSAIC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(MOSAIC_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(MOSAIC_TSAN)
  add_compile_options(-fsanitize=thread)
  add_link_options(-fsanitize=thread)
endif()
