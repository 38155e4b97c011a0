#include "graph/Clouds.h"

#include "net/HttpTypes.h"

namespace calconn::graph {

std::optional<CloudEndpoints> cloudEndpoints(std::string_view cloud) {
    auto is = [&](const char* name) { return net::equalsIgnoreCase(cloud, name); };
    if (is("worldwide") || is("gcc")) {
        return CloudEndpoints{"https://login.microsoftonline.com", "https://graph.microsoft.com",
                              "https://graph.microsoft.com/.default"};
    }
    if (is("gcc_high") || is("usgov")) {
        return CloudEndpoints{"https://login.microsoftonline.us", "https://graph.microsoft.us",
                              "https://graph.microsoft.us/.default"};
    }
    if (is("dod")) {
        return CloudEndpoints{"https://login.microsoftonline.us", "https://dod-graph.microsoft.us",
                              "https://dod-graph.microsoft.us/.default"};
    }
    if (is("china")) {
        // Microsoft documents both login.chinacloudapi.cn and login.partner.microsoftonline.cn;
        // the identity docs now name the latter.
        return CloudEndpoints{"https://login.partner.microsoftonline.cn",
                              "https://microsoftgraph.chinacloudapi.cn",
                              "https://microsoftgraph.chinacloudapi.cn/.default"};
    }
    return std::nullopt;
}

}  // namespace calconn::graph
