// The HTTP client port. Implementations translate every transport failure into a
// common::Error (Unavailable: refused/reset/TLS failure, Timeout, Protocol: truncated or
// malformed answer); an HTTP status, even 5xx, is a successful exchange.
#pragma once

#include "common/Result.h"
#include "net/HttpTypes.h"

namespace calconn::net {

class HttpClient {
public:
    virtual ~HttpClient() = default;
    // Thread-safe: callers send from many threads at once.
    virtual common::Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace calconn::net
