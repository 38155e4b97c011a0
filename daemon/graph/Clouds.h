// The Microsoft clouds calconn can talk to: each is a (login host, Graph host, scope) tuple
// (graph.md §11). Settings may override the endpoints (tests point them at graphsim).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace calconn::graph {

struct CloudEndpoints {
    std::string login_endpoint;  // identity platform, e.g. https://login.microsoftonline.com
    std::string graph_endpoint;  // Graph, e.g. https://graph.microsoft.com
    std::string scope;  // client-credentials scope, e.g. https://graph.microsoft.com/.default
};

// "worldwide" (also "gcc"), "gcc_high" (also "usgov"), "dod", "china". Germany's cloud closed in
// 2021 and is not offered. nullopt for an unknown name.
std::optional<CloudEndpoints> cloudEndpoints(std::string_view cloud);

}  // namespace calconn::graph
