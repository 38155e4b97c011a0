#include "presence/PresenceStateFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace calconn::presence {

using common::ErrorCode;
using common::makeError;

namespace {

common::Error ioError(const std::string& what, const std::string& path) {
    return makeError(ErrorCode::Io, what + ": " + std::strerror(errno), path);
}

// Closes the descriptor on every path out.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

common::Result<PresenceSnapshot> loadSnapshot(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return PresenceSnapshot{};
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot read the presence state file", path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto snapshot = decodeSnapshot(text);
    if (!snapshot) {
        auto error = snapshot.error();
        error.context = path;
        return error;
    }
    return snapshot;
}

common::Status saveSnapshot(const std::string& path, const PresenceSnapshot& snapshot) {
    const std::string text = encodeSnapshot(snapshot);
    const std::string temporary = path + ".tmp";
    {
        Fd file{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
        if (file.fd < 0) return ioError("cannot write the presence state file", temporary);
        std::size_t written = 0;
        while (written < text.size()) {
            const ssize_t n = ::write(file.fd, text.data() + written, text.size() - written);
            if (n < 0) {
                if (errno == EINTR) continue;
                return ioError("cannot write the presence state file", temporary);
            }
            written += static_cast<std::size_t>(n);
        }
        if (::fsync(file.fd) != 0)
            return ioError("cannot flush the presence state file", temporary);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        return ioError("cannot replace the presence state file", path);
    }
    const std::string directory = std::filesystem::path(path).parent_path().string();
    Fd dir{::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd >= 0) (void)::fsync(dir.fd);  // the rename is durable once the directory is
    return {};
}

}  // namespace calconn::presence
