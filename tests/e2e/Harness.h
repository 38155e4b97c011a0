// Test harness for end-to-end tests: a temp directory with a generated configuration, a fake
// systemd notify socket, and calconnd/calconnctl started as real processes. Every wait polls
// with a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace calconn::e2e {

using namespace std::chrono_literals;

// Only a failing wait runs this long: generous, for a loaded machine.
inline constexpr auto kDeadline = 30s;

// Polls `condition` until it holds or `timeout` passes.
// Polls `condition` every `interval` until it holds or `timeout` passed. A slow condition
// (one that runs calconnctl or reads a whole mailbox) takes a longer interval.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kDeadline,
                std::chrono::milliseconds interval = std::chrono::milliseconds(10));

std::string readFile(const std::string& path);
// Writes `value` and a newline to `path`, readable by its owner only (as calconnd wants its
// secret files).
void writeSecretFile(const std::string& path, const std::string& value);
std::string lower(std::string s);
// A port on 127.0.0.1 that was free a moment ago (0 if none): for URLs that must name a
// server's port before it runs.
int freePort();
// utime + stime of a running process, in seconds.
double cpuSeconds(pid_t pid);

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    // Leaves the directory in place when destroyed (to look at a run's files afterwards).
    void keep() { keep_ = true; }

private:
    std::string path_;
    bool keep_ = false;
};

struct ConfigOptions {
    std::string level = "info";
    std::string extra;  // appended YAML
};

// calconnd.yaml's daemon: section: the state directory and control socket inside `dir`.
std::string daemonYaml(const TempDir& dir);

// Writes a minimal valid calconnd.yaml (and its 0600 client secret) into `dir`, with the
// state directory and the control socket inside it. Returns the config path.
std::string writeConfig(const TempDir& dir, const ConfigOptions& options = {});

// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
class NotifySocket {
public:
    explicit NotifySocket(std::string path);
    ~NotifySocket();
    const std::string& path() const { return path_; }

    // Waits for a message (after the ones already seen) that contains `text`; returns it.
    std::optional<std::string> waitFor(const std::string& text, std::chrono::milliseconds timeout = kDeadline);
    const std::vector<std::string>& seen() const { return seen_; }

private:
    std::string path_;
    int fd_ = -1;
    size_t cursor_ = 0;
    std::vector<std::string> seen_;
};

struct ProcessResult {
    int exit_code = -1;  // -1: killed by a signal or timed out
    std::string out;
    std::string err;
};

// Runs a program to completion (stdout/stderr captured).
ProcessResult runProgram(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = kDeadline);

// calconnd running in the background, stderr and stdout into `log_path`.
class DaemonProcess {
public:
    DaemonProcess(const std::string& config, const std::string& log_path,
                  const std::vector<std::string>& extra_env = {});
    ~DaemonProcess();  // kills the daemon if the test did not stop it

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Exit code after a normal exit, -1 after a signal, nullopt when still running at timeout.
    std::optional<int> waitExit(std::chrono::milliseconds timeout = kDeadline);
    std::string log() const { return readFile(log_path_); }
    bool waitForLog(const std::string& text, std::chrono::milliseconds timeout = kDeadline) const;

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    bool exited_ = false;
    std::string log_path_;
};

// Any program running in the background (e.g. a simulator), stdout and stderr into `log_path`;
// killed with SIGTERM, then SIGKILL, when destroyed.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    std::string log() const { return readFile(log_path_); }
    bool waitForLog(const std::string& text, std::chrono::milliseconds timeout = kDeadline) const;

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::string log_path_;
};

}  // namespace calconn::e2e
