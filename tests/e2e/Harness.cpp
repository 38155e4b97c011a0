#include "Harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace calconn::e2e {

namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// The parent's environment without anything systemd would set, plus `extra`.
std::vector<std::string> childEnvironment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string value(*entry);
        bool drop = false;
        for (const char* name : {"NOTIFY_SOCKET=", "JOURNAL_STREAM=", "WATCHDOG_USEC=",
                                 "WATCHDOG_PID=", "LISTEN_FDS=", "CREDENTIALS_DIRECTORY="}) {
            if (value.rfind(name, 0) == 0) drop = true;
        }
        if (!drop) env.push_back(value);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (std::string& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// fork + execve with stdout and stderr redirected to files; returns the pid.
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env, const std::string& out_path,
            const std::string& err_path) {
    auto argv_ptrs = pointers(argv);
    auto env_ptrs = pointers(env);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = out_path == err_path
                           ? out_fd
                           : ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot open output files");
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        ::execve(argv_ptrs[0], argv_ptrs.data(), env_ptrs.data());
        ::_exit(127);
    }
    ::close(out_fd);
    if (err_fd != out_fd) ::close(err_fd);
    if (pid < 0) throw std::runtime_error("fork failed");
    return pid;
}

// Waits for `pid` (through its pidfd) up to `timeout`; exit code, -1 for a signal, nullopt on timeout.
std::optional<int> waitPid(pid_t pid, int pidfd, std::chrono::milliseconds timeout) {
    pollfd pfd{pidfd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return std::nullopt;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        // Polling interval between checks (not a wait for an event: the deadline bounds it).
        std::this_thread::sleep_for(interval);
    }
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void writeSecretFile(const std::string& path, const std::string& value) {
    std::ofstream(path) << value << "\n";
    ::chmod(path.c_str(), 0600);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

double cpuSeconds(pid_t pid) {
    const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string field;
    unsigned long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoul(field);
        if (i == 15) stime = std::stoul(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

TempDir::TempDir() {
    // Short path: Unix socket paths are limited to 107 bytes.
    char dir_template[] = "/tmp/calconn-e2e-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = dir_template;
}

TempDir::~TempDir() {
    if (keep_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string daemonYaml(const TempDir& dir) {
    return "daemon:\n"
           "  state_directory: " + dir.file("state") + "\n"
           "  control_socket: " + dir.file("run/control.sock") + "\n"
           "  shutdown_timeout: 10s\n";
}

std::string writeConfig(const TempDir& dir, const ConfigOptions& options) {
    const std::string secret = dir.file("client-secret");
    if (!std::filesystem::exists(secret)) writeSecretFile(secret, "not-a-real-secret");
    const std::string config = dir.file("calconnd.yaml");
    std::ofstream out(config, std::ios::trunc);
    out << daemonYaml(dir)
        << "microsoft365:\n"
        << "  tenants:\n"
        << "    - name: contoso\n"
        << "      tenant_id: 2f0c6e44-1d5b-4c8e-9a3e-0f6b1f1f4a11\n"
        << "      client_id: 8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"
        << "      client_secret_file: " << secret << "\n"
        << "api:\n"
        << "  listen: 127.0.0.1:0\n"  // tests run in parallel: the REST API takes a free port
        << "logging:\n"
        << "  level: " << options.level << "\n"
        << "  target: stderr\n"
        << options.extra;
    return config;
}

NotifySocket::NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        throw std::runtime_error("cannot bind notify socket " + path_);
    }
}

NotifySocket::~NotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
}

std::optional<std::string> NotifySocket::waitFor(const std::string& text,
                                                 std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        while (cursor_ < seen_.size()) {
            const std::string& message = seen_[cursor_++];
            if (message.find(text) != std::string::npos) return message;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) != 1) continue;
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n > 0) seen_.emplace_back(buffer, static_cast<size_t>(n));
    }
}

ProcessResult runProgram(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    const TempDir dir;
    const std::string out = dir.file("stdout");
    const std::string err = dir.file("stderr");
    const pid_t pid = spawn(argv, childEnvironment({}), out, err);
    const int pidfd = pidfdOpen(pid);
    ProcessResult result;
    const auto code = waitPid(pid, pidfd, timeout);
    if (!code) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    ::close(pidfd);
    result.exit_code = code.value_or(-1);
    result.out = readFile(out);
    result.err = readFile(err);
    return result;
}

DaemonProcess::DaemonProcess(const std::string& config, const std::string& log_path,
                             const std::vector<std::string>& extra_env)
    : log_path_(log_path) {
    pid_ = spawn({CALCONND_PATH, "--config", config}, childEnvironment(extra_env), log_path,
                 log_path);
    pidfd_ = pidfdOpen(pid_);
}

DaemonProcess::~DaemonProcess() {
    if (!exited_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(pidfd_);
}

void DaemonProcess::signal(int sig) const { ::kill(pid_, sig); }

std::optional<int> DaemonProcess::waitExit(std::chrono::milliseconds timeout) {
    auto code = waitPid(pid_, pidfd_, timeout);
    if (code) exited_ = true;
    return code;
}

bool DaemonProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
    return eventually([&] { return log().find(text) != std::string::npos; }, timeout);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path)
    : log_path_(log_path) {
    pid_ = spawn(argv, childEnvironment({}), log_path, log_path);
    pidfd_ = pidfdOpen(pid_);
}

ChildProcess::~ChildProcess() {
    ::kill(pid_, SIGTERM);
    if (!waitPid(pid_, pidfd_, 5s)) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(pidfd_);
}

bool ChildProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
    return eventually([&] { return log().find(text) != std::string::npos; }, timeout);
}

}  // namespace calconn::e2e
