// `calconnctl explain`: runs the join-target detector offline on a location and a body file and
// prints the decision with every candidate, so an admin can see why a room got (no) Join button.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace calconn::ctl {

// `args` are the words after the verb; `config_file` (if readable) supplies keywords and
// detect.max_body_size. Returns the exit code.
int runExplain(const std::vector<std::string>& args, const std::optional<std::string>& config_file,
               std::ostream& out, std::ostream& err);

}  // namespace calconn::ctl
