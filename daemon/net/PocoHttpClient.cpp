#include "net/PocoHttpClient.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/Socket.h>
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

namespace calconn::net {

using common::Error;
using common::ErrorCode;
using common::makeError;
using common::Result;

namespace {

// Poco keeps reconnect() protected; we connect explicitly so that a failure before anything
// was sent is told apart from one during the exchange.
class PlainSession final : public Poco::Net::HTTPClientSession {
public:
    using HTTPClientSession::HTTPClientSession;
    void open() { reconnect(); }
};

class TlsSession final : public Poco::Net::HTTPSClientSession {
public:
    using HTTPSClientSession::HTTPSClientSession;
    void open() { reconnect(); }
};

using SteadyTime = std::chrono::steady_clock::time_point;

struct IdleSession {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    SteadyTime since;
};

struct Pool {
    Poco::Net::Context::Ptr context;  // null for plain http
    std::vector<IdleSession> idle;    // most recently used at the back
};

Poco::Timespan toTimespan(std::chrono::milliseconds ms) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

bool isIpLiteral(const std::string& host) {
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Error transportError(const Poco::Exception& e, std::string_view phase, const UrlParts& url) {
    std::string context(phase);
    context += " ";
    context += url.scheme + "://" + url.host + ":" + std::to_string(url.port);
    const std::string what = e.displayText();
    if (dynamic_cast<const Poco::TimeoutException*>(&e)) {
        return makeError(ErrorCode::Timeout, "request timed out", context);
    }
    if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e)) {
        return makeError(ErrorCode::Unavailable, "connection refused", context);
    }
    if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) ||
        dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) ||
        dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(&e)) {
        return makeError(ErrorCode::Unavailable, "connection reset", context);
    }
    if (dynamic_cast<const Poco::Net::NoMessageException*>(&e)) {
        return makeError(ErrorCode::Unavailable, "connection closed without an answer", context);
    }
    if (dynamic_cast<const Poco::Net::DNSException*>(&e)) {
        return makeError(ErrorCode::Unavailable, "host name not resolved", context);
    }
    if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) ||
        dynamic_cast<const Poco::Net::InvalidCertificateException*>(&e)) {
        return makeError(ErrorCode::Crypto, "tls certificate rejected: " + what, context);
    }
    if (dynamic_cast<const Poco::Net::SSLException*>(&e)) {
        // A handshake failure (untrusted chain, wrong host, no common protocol) is not
        // something a retry fixes; a TLS error mid-exchange is a broken connection.
        if (phase == kPhaseConnect) {
            return makeError(ErrorCode::Crypto, "tls handshake failed: " + what, context);
        }
        return makeError(ErrorCode::Unavailable, "tls connection failed: " + what, context);
    }
    if (dynamic_cast<const Poco::Net::MessageException*>(&e)) {
        return makeError(ErrorCode::Protocol, "malformed http answer: " + what, context);
    }
    return makeError(ErrorCode::Unavailable, "transport failure: " + what, context);
}

}  // namespace

struct PocoHttpClient::Impl {
    PocoHttpClientOptions options;
    mutable std::mutex mutex;
    std::map<std::string, Pool> pools;
    std::atomic<std::uint64_t> opened{0};
    std::atomic<std::uint64_t> reused{0};
    std::atomic<std::uint64_t> discarded{0};

    static std::string poolKey(const UrlParts& url) {
        return url.scheme + "://" + url.host + ":" + std::to_string(url.port);
    }

    // One context per target so the expected host name can live in its verify parameters.
    Poco::Net::Context::Ptr makeContext(const std::string& host) const {
        Poco::Net::Context::Params params;
        params.caLocation = options.tls.ca_file;
        params.loadDefaultCAs = options.tls.ca_file.empty();
        params.certificateFile = options.tls.client_certificate_file;
        params.privateKeyFile = options.tls.client_private_key_file;
        params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
        params.verificationDepth = 9;
        params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        // Poco's own host check resolves certificate names through DNS for IP targets; let
        // OpenSSL check the name (RFC 6125) during the handshake instead.
        context->enableExtendedCertificateVerification(false);
        X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context->sslContext());
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = isIpLiteral(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                         : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
        if (ok != 1) throw Poco::Net::SSLContextException("cannot set the expected host name");
        return context;
    }

    struct Lease {
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        bool reused = false;
    };

    // Returns an idle live session or a new unconnected one. Throws Poco exceptions only
    // from context creation.
    Lease checkout(const UrlParts& url) {
        const auto now = std::chrono::steady_clock::now();
        std::vector<IdleSession> stale;  // closed outside the lock
        Lease lease;
        Poco::Net::Context::Ptr context;
        {
            std::lock_guard lock(mutex);
            const std::string key = poolKey(url);
            auto it = pools.find(key);
            if (it == pools.end()) {
                if (pools.size() >= options.max_hosts) evictIdlelessPools();
                Pool pool;
                if (url.scheme == "https") pool.context = makeContext(url.host);
                it = pools.emplace(key, std::move(pool)).first;
            }
            Pool& pool = it->second;
            context = pool.context;
            while (!pool.idle.empty()) {
                IdleSession candidate = std::move(pool.idle.back());
                pool.idle.pop_back();
                if (now - candidate.since > options.idle_timeout ||
                    !stillOpen(*candidate.session)) {
                    stale.push_back(std::move(candidate));
                    continue;
                }
                lease.session = std::move(candidate.session);
                lease.reused = true;
                break;
            }
        }
        discarded += stale.size();
        if (lease.session) {
            ++reused;
            return lease;
        }
        if (url.scheme == "https") {
            lease.session = std::make_unique<TlsSession>(url.host, url.port, context);
        } else {
            lease.session = std::make_unique<PlainSession>(url.host, url.port);
        }
        lease.session->setKeepAlive(true);
        // Our pool decides when a session is too old; Poco must not silently reconnect.
        lease.session->setKeepAliveTimeout(toTimespan(options.idle_timeout * 4));
        return lease;
    }

    // A peer that closed an idle keep-alive connection makes the socket readable (EOF or a
    // TLS close_notify); such a session would fail the next request.
    static bool stillOpen(Poco::Net::HTTPClientSession& session) {
        try {
            if (!session.connected()) return false;
            return !session.socket().poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ |
                                                                 Poco::Net::Socket::SELECT_ERROR);
        } catch (const Poco::Exception&) {
            return false;
        }
    }

    void evictIdlelessPools() {
        for (auto it = pools.begin(); it != pools.end();) {
            it = it->second.idle.empty() ? pools.erase(it) : std::next(it);
        }
        if (pools.size() >= options.max_hosts && !pools.empty()) {
            discarded += pools.begin()->second.idle.size();
            pools.erase(pools.begin());
        }
    }

    void checkin(const UrlParts& url, std::unique_ptr<Poco::Net::HTTPClientSession> session) {
        std::lock_guard lock(mutex);
        auto it = pools.find(poolKey(url));
        if (it == pools.end() || it->second.idle.size() >= options.max_idle_per_host) {
            ++discarded;
            return;  // the session closes as it goes out of scope
        }
        it->second.idle.push_back({std::move(session), std::chrono::steady_clock::now()});
    }

    void openSession(Poco::Net::HTTPClientSession& session) {
        if (auto* tls = dynamic_cast<TlsSession*>(&session)) {
            tls->open();
        } else {
            static_cast<PlainSession&>(session).open();
        }
        ++opened;
    }

    // One attempt on one session. `keep` tells whether the session may go back to the pool.
    Result<HttpResponse> exchange(Poco::Net::HTTPClientSession& session, bool reused,
                                  const HttpRequest& request, const UrlParts& url, bool& keep) {
        keep = false;
        const auto read_timeout =
            request.timeout.count() > 0 ? request.timeout : options.read_timeout;
        session.setTimeout(toTimespan(options.connect_timeout), toTimespan(read_timeout),
                           toTimespan(read_timeout));
        if (!reused) {
            try {
                openSession(session);
            } catch (const Poco::Exception& e) {
                return transportError(e, kPhaseConnect, url);
            }
        } else {
            // Poco applies session timeouts only when it connects; a pooled session's socket
            // keeps the previous request's, so set this request's on the socket itself.
            try {
                session.socket().setReceiveTimeout(toTimespan(read_timeout));
                session.socket().setSendTimeout(toTimespan(read_timeout));
            } catch (const Poco::Exception& e) {
                return transportError(e, kPhaseConnect, url);
            }
        }
        try {
            Poco::Net::HTTPRequest poco_request(request.method, url.target,
                                                Poco::Net::HTTPMessage::HTTP_1_1);
            const bool default_port = (url.scheme == "https" && url.port == 443) ||
                                      (url.scheme == "http" && url.port == 80);
            std::string host_header =
                url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
            if (!default_port) host_header += ":" + std::to_string(url.port);
            poco_request.setHost(host_header);
            poco_request.setKeepAlive(true);
            poco_request.set("User-Agent", options.user_agent);
            for (const auto& [name, value] : request.headers.fields()) {
                if (equalsIgnoreCase(name, "Host") || equalsIgnoreCase(name, "Content-Length") ||
                    equalsIgnoreCase(name, "Connection")) {
                    continue;
                }
                poco_request.add(name, value);
            }
            if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                request.method == "PATCH") {
                poco_request.setContentLength(static_cast<std::streamsize>(request.body.size()));
            }
            std::ostream& out = session.sendRequest(poco_request);
            out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
            out.flush();

            Poco::Net::HTTPResponse poco_response;
            std::istream& in = session.receiveResponse(poco_response);
            HttpResponse response;
            response.status = static_cast<int>(poco_response.getStatus());
            response.reason = poco_response.getReason();
            for (const auto& [name, value] : poco_response) response.headers.add(name, value);

            char buffer[16384];
            while (in) {
                in.read(buffer, sizeof buffer);
                const auto got = static_cast<std::size_t>(in.gcount());
                if (response.body.size() + got > options.max_body_bytes) {
                    return makeError(ErrorCode::Protocol, "response body exceeds the size limit",
                                     std::string(kPhaseExchange) + " " + poolKey(url));
                }
                response.body.append(buffer, got);
            }
            if (in.bad()) {
                return makeError(ErrorCode::Protocol, "response body unreadable",
                                 std::string(kPhaseExchange) + " " + poolKey(url));
            }
            if (poco_response.hasContentLength() && request.method != "HEAD") {
                const auto expected = poco_response.getContentLength64();
                if (expected >= 0 && static_cast<std::uint64_t>(expected) != response.body.size()) {
                    return makeError(ErrorCode::Protocol,
                                     "response body truncated: got " +
                                         std::to_string(response.body.size()) + " of " +
                                         std::to_string(expected) + " bytes",
                                     std::string(kPhaseExchange) + " " + poolKey(url));
                }
            }
            keep = poco_response.getKeepAlive() && in.eof();
            return response;
        } catch (const Poco::Exception& e) {
            return transportError(e, kPhaseExchange, url);
        }
    }
};

PocoHttpClient::PocoHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PocoHttpClient::~PocoHttpClient() = default;

Result<std::unique_ptr<PocoHttpClient>> PocoHttpClient::create(PocoHttpClientOptions options) {
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    if (options.tls.client_certificate_file.empty() !=
        options.tls.client_private_key_file.empty()) {
        return makeError(ErrorCode::Config,
                         "a client certificate needs both a certificate and a private key file");
    }
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    try {
        // Build one context up front so that a bad CA file or client key is a start-up error.
        (void)impl->makeContext("localhost");
    } catch (const Poco::Exception& e) {
        return makeError(ErrorCode::Config, "cannot set up tls: " + e.displayText(),
                         impl->options.tls.ca_file);
    }
    return std::unique_ptr<PocoHttpClient>(new PocoHttpClient(std::move(impl)));
}

Result<HttpResponse> PocoHttpClient::send(const HttpRequest& request) {
    auto url = splitUrl(request.url);
    if (!url) return url.error();
    if (request.method.empty() || request.method.find_first_of(" \t\r\n") != std::string::npos) {
        return makeError(ErrorCode::InvalidArgument, "invalid http method");
    }
    for (const auto& [name, value] : request.headers.fields()) {
        if (name.find_first_of(":\r\n") != std::string::npos ||
            value.find_first_of("\r\n") != std::string::npos) {
            return makeError(ErrorCode::InvalidArgument, "header contains a line break", name);
        }
    }
    // A reused session may have died since the poll; a request that is safe to resend gets
    // one fresh connection before the failure is reported.
    for (int round = 0; round < 2; ++round) {
        Impl::Lease lease;
        try {
            lease = impl_->checkout(*url);
        } catch (const Poco::Exception& e) {
            return makeError(ErrorCode::Config, "cannot set up tls: " + e.displayText(),
                             Impl::poolKey(*url));
        }
        bool keep = false;
        auto result = impl_->exchange(*lease.session, lease.reused, request, *url, keep);
        if (keep && result) {
            impl_->checkin(*url, std::move(lease.session));
        } else {
            ++impl_->discarded;
            try {
                lease.session->reset();
            } catch (const Poco::Exception&) {
                // closing a broken socket may fail again; the session is dropped either way
            }
        }
        if (!result && lease.reused && result.error().code == ErrorCode::Unavailable &&
            isRetrySafe(request)) {
            continue;
        }
        return result;
    }
    return makeError(ErrorCode::Internal, "unreachable");
}

PocoHttpClient::Stats PocoHttpClient::stats() const {
    return Stats{impl_->opened.load(), impl_->reused.load(), impl_->discarded.load()};
}

std::size_t PocoHttpClient::idleSessions() const {
    std::lock_guard lock(impl_->mutex);
    std::size_t n = 0;
    for (const auto& [key, pool] : impl_->pools) n += pool.idle.size();
    return n;
}

}  // namespace calconn::net
