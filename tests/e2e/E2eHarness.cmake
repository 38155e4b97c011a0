# The e2e harness (Harness, SyncFixture, WebhookReceiver), compiled once into a static library
# for every e2e test and for the benchmarks that run the real processes.
set(_e2e_dir ${CMAKE_CURRENT_LIST_DIR})

# calconn_use_e2e_programs(<target> [program ...])
# Compiles the paths of calconnd, calconnctl and the named programs (graphsim, roomsim,
# webexsim ...) into <target> as <PROGRAM>_PATH, and builds them before <target>.
function(calconn_use_e2e_programs target)
  foreach(program calconnd calconnctl ${ARGN})
    string(TOUPPER ${program} upper)
    target_compile_definitions(${target} PRIVATE ${upper}_PATH="$<TARGET_FILE:${program}>")
    add_dependencies(${target} ${program})
  endforeach()
endfunction()

add_library(calconn_e2e_harness STATIC ${_e2e_dir}/Harness.cpp ${_e2e_dir}/WebhookReceiver.cpp)
target_include_directories(calconn_e2e_harness PUBLIC ${_e2e_dir})
target_link_libraries(calconn_e2e_harness PUBLIC calconn_build_settings calconn::net Poco::JSON
                      Poco::Net Poco::NetSSL)
target_compile_definitions(calconn_e2e_harness PRIVATE
  CALCONND_PATH="$<TARGET_FILE:calconnd>"
  CALCONNCTL_PATH="$<TARGET_FILE:calconnctl>")
# The sync fixture starts graphsim: only where graphsim is built (every test using it is too).
if(TARGET graphsim)
  target_sources(calconn_e2e_harness PRIVATE ${_e2e_dir}/SyncFixture.cpp)
  target_link_libraries(calconn_e2e_harness PUBLIC calconn::graph)
  target_compile_definitions(calconn_e2e_harness PRIVATE GRAPHSIM_PATH="$<TARGET_FILE:graphsim>")
endif()
