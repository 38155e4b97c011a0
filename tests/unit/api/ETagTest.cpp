#include <gtest/gtest.h>

#include "api/ETag.h"

namespace calconn::api {
namespace {

ApiRequest getWith(const std::string& if_none_match) {
    ApiRequest request;
    request.method = "GET";
    request.path = "/api/v1/users/alice@contoso.com/meetings";
    if (!if_none_match.empty()) request.headers["if-none-match"] = if_none_match;
    return request;
}

std::string header(const ApiResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers)
        if (key == name) return value;
    return {};
}

TEST(ETag, IsStrongAndFollowsTheBody) {
    const std::string tag = strongEtag("{\"meetings\":[]}");
    EXPECT_EQ(tag.size(), 34u);
    EXPECT_EQ(tag.front(), '"');
    EXPECT_EQ(tag.back(), '"');
    EXPECT_EQ(tag, strongEtag("{\"meetings\":[]}"));
    EXPECT_NE(tag, strongEtag("{\"meetings\":[1]}"));
}

TEST(ETag, IfNoneMatchComparesWeaklyAndAcceptsListsAndStar) {
    const std::string tag = "\"abc\"";
    EXPECT_TRUE(ifNoneMatchMatches("\"abc\"", tag));
    EXPECT_TRUE(ifNoneMatchMatches("W/\"abc\"", tag));
    EXPECT_TRUE(ifNoneMatchMatches("\"x\", \"abc\"", tag));
    EXPECT_TRUE(ifNoneMatchMatches("*", tag));
    EXPECT_FALSE(ifNoneMatchMatches("\"abd\"", tag));
    EXPECT_FALSE(ifNoneMatchMatches("abc", tag));
    EXPECT_FALSE(ifNoneMatchMatches("\"ab", tag));
    EXPECT_FALSE(ifNoneMatchMatches("", tag));
}

TEST(ETag, AnswerBecomes304WithoutBodyWhenTheClientHasIt) {
    ApiResponse first{200, "application/json", "{\"meetings\":[]}"};
    applyEtag(getWith(""), first);
    EXPECT_EQ(first.status, 200);
    const std::string tag = header(first, "ETag");
    ASSERT_FALSE(tag.empty());
    EXPECT_EQ(header(first, "Cache-Control"), "private, no-cache");

    ApiResponse again{200, "application/json", "{\"meetings\":[]}"};
    applyEtag(getWith(tag), again);
    EXPECT_EQ(again.status, 304);
    EXPECT_EQ(again.body, "");
    EXPECT_EQ(header(again, "ETag"), tag);

    ApiResponse changed{200, "application/json", "{\"meetings\":[{}]}"};
    applyEtag(getWith(tag), changed);
    EXPECT_EQ(changed.status, 200);
    EXPECT_NE(header(changed, "ETag"), tag);
}

TEST(ETag, ErrorsGetNoTag) {
    ApiResponse error{404, "application/json", "{}"};
    applyEtag(getWith("*"), error);
    EXPECT_EQ(error.status, 404);
    EXPECT_TRUE(error.headers.empty());
}

}  // namespace
}  // namespace calconn::api
