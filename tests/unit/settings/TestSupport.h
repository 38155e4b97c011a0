// Helpers shared by the settings tests: temporary directories and a private copy of the fixture
// secrets. Git keeps no file modes beyond +x, so the secrets are copied with mode 0600 (the
// loader warns about secret files readable by others).
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace calconn::settings::testing {

inline const std::string kConfigFixtures = std::string(CALCONN_FIXTURES_DIR) + "/config";

class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "calconn-settings-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

    // Writes name (relative, parents created) with the given mode; returns the full path.
    std::string write(const std::string& name, const std::string& content,
                      mode_t mode = 0600) const {
        const auto full = std::filesystem::path(path_) / name;
        std::filesystem::create_directories(full.parent_path());
        std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
        ::chmod(full.c_str(), mode);
        return full.string();
    }

private:
    std::string path_;
};

// A credentials directory like systemd's: the fixture secrets, mode 0600.
class CredentialsDir : public TempDir {
public:
    CredentialsDir() {
        for (const auto& entry :
             std::filesystem::directory_iterator(kConfigFixtures + "/secrets")) {
            std::ifstream in(entry.path(), std::ios::binary);
            std::string content((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
            write(entry.path().filename().string(), content, 0600);
        }
    }
};

inline std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (auto pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

}  // namespace calconn::settings::testing
