// calconnd.yaml(5) must document every key of the schema, with its default.
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "settings/Schema.h"

namespace calconn::settings {
namespace {

// scdoc treats * and _ as emphasis markers; the page escapes them.
std::string scdocEscaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '_') out += '\\';
        out += c;
    }
    return out;
}

TEST(ManPage, DocumentsEverySchemaKeyWithItsDefault) {
    const auto page =
        testing::readFile(std::string(CALCONN_SOURCE_DIR) + "/man/calconnd.yaml.5.scd");
    ASSERT_FALSE(page.empty());
    std::size_t previous = 0;
    for (const auto& spec : schema()) {
        const std::string heading = "*" + scdocEscaped(spec.path) + "*";
        const auto at = page.find(heading);
        ASSERT_NE(at, std::string::npos) << spec.path << " is not in man/calconnd.yaml.5.scd";
        EXPECT_GE(at, previous) << spec.path << " is out of schema order";
        previous = at;
        if (!spec.default_value.empty()) {
            const auto next = page.find("\n\n*", at);
            const auto entry =
                page.substr(at, next == std::string::npos ? std::string::npos : next - at);
            EXPECT_NE(entry.find(scdocEscaped(spec.default_value)), std::string::npos)
                << spec.path << ": default " << spec.default_value << " not shown";
        }
    }
}

}  // namespace
}  // namespace calconn::settings
