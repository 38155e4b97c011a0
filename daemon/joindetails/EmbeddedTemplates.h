// The join-details templates shipped in daemon/joindetails/templates/, compiled into the
// library by CMake (EmbeddedTemplates.cpp is generated from EmbeddedTemplates.cpp.in).
#pragma once

#include <string_view>
#include <vector>

namespace calconn::joindetails {

struct EmbeddedTemplate {
    std::string_view file_name;  // "en-US.html", "en-US.txt"
    std::string_view text;       // UTF-8
};

const std::vector<EmbeddedTemplate>& embeddedTemplates();

}  // namespace calconn::joindetails
