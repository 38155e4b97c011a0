#include <gtest/gtest.h>

#include "graph/Clouds.h"

namespace calconn::graph {
namespace {

TEST(CloudEndpoints, PicksHostsAndScopePerCloud) {
    auto worldwide = cloudEndpoints("worldwide");
    ASSERT_TRUE(worldwide);
    EXPECT_EQ(worldwide->login_endpoint, "https://login.microsoftonline.com");
    EXPECT_EQ(worldwide->scope, "https://graph.microsoft.com/.default");
    EXPECT_EQ(cloudEndpoints("GCC")->graph_endpoint, "https://graph.microsoft.com");
    EXPECT_EQ(cloudEndpoints("gcc_high")->graph_endpoint, "https://graph.microsoft.us");
    EXPECT_EQ(cloudEndpoints("dod")->scope, "https://dod-graph.microsoft.us/.default");
    EXPECT_EQ(cloudEndpoints("dod")->login_endpoint, "https://login.microsoftonline.us");
    EXPECT_EQ(cloudEndpoints("china")->graph_endpoint, "https://microsoftgraph.chinacloudapi.cn");
    EXPECT_FALSE(cloudEndpoints("germany"));
    EXPECT_FALSE(cloudEndpoints(""));
}

}  // namespace
}  // namespace calconn::graph
