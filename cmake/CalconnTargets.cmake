# Build settings shared by every target, and the helpers that create module libraries and tests.
add_library(calconn_build_settings INTERFACE)
target_compile_features(calconn_build_settings INTERFACE cxx_std_20)
target_include_directories(calconn_build_settings INTERFACE ${PROJECT_SOURCE_DIR}/daemon)
target_compile_options(calconn_build_settings INTERFACE -Wall -Wextra -Werror=vla $<$<CONFIG:Debug>:-D_GLIBCXX_ASSERTIONS>)
# GCC 12 reports -Wrestrict false positives inside libstdc++'s std::string at -O2
# (GCC bug 105651, fixed in 13); they are not about our code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(calconn_build_settings INTERFACE -Wno-restrict)
endif()
if(CALCONN_WERROR)
  target_compile_options(calconn_build_settings INTERFACE -Werror)
endif()
if(CALCONN_SANITIZE)
  target_compile_options(calconn_build_settings INTERFACE -fsanitize=${CALCONN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(calconn_build_settings INTERFACE -fsanitize=${CALCONN_SANITIZE})
endif()
target_link_libraries(calconn_build_settings INTERFACE Threads::Threads)

# calconn_add_library(<module> SOURCES ... [DEPS ...])
# Creates the static library calconn_<module> with the alias calconn::<module>.
function(calconn_add_library module)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  string(REPLACE "/" "_" target_suffix ${module})
  add_library(calconn_${target_suffix} STATIC ${ARG_SOURCES})
  add_library(calconn::${target_suffix} ALIAS calconn_${target_suffix})
  target_link_libraries(calconn_${target_suffix} PUBLIC calconn_build_settings ${ARG_DEPS})
endfunction()

# Every unit-test executable, so the sanitizer pass can build just those (make test-asan).
add_custom_target(calconn_unit_tests)

# calconn_add_test(<module> SOURCES ... [DEPS ...] [LABELS ...] [ENVIRONMENT ...])
# Creates calconn_<module>_test and registers its cases with CTest.
function(calconn_add_test module)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS;ENVIRONMENT" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  string(REPLACE "/" "_" target_suffix ${module})
  set(target calconn_${target_suffix}_test)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE calconn_build_settings ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/support)
  target_compile_definitions(${target} PRIVATE
    CALCONN_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CALCONN_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures"
    CALCONN_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if("unit" IN_LIST ARG_LABELS)
    add_dependencies(calconn_unit_tests ${target})
  endif()
  gtest_discover_tests(${target}
    PROPERTIES LABELS "${ARG_LABELS}" ENVIRONMENT "${ARG_ENVIRONMENT}"
    DISCOVERY_TIMEOUT 60)
endfunction()
