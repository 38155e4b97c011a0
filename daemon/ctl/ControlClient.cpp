#include "ctl/ControlClient.h"

#include <cstring>
#include <sstream>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

namespace calconn::ctl {

common::Result<ControlReply> ControlClient::request(const std::string& method,
                                                    const std::string& path,
                                                    const std::string& body) const {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::UNIX_LOCAL);
    try {
        socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_path_));
    } catch (const Poco::Exception& e) {
        // Poco carries the errno of the failed connect() in code().
        const std::string reason = e.code() > 0 ? std::strerror(e.code()) : e.displayText();
        return common::makeError(common::ErrorCode::Unavailable, reason, socket_path_);
    }
    try {
        Poco::Net::HTTPClientSession session(socket);
        session.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest http_request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        http_request.setHost("localhost");
        if (!body.empty()) {
            http_request.setContentType("application/json");
            http_request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session.sendRequest(http_request) << body;
        Poco::Net::HTTPResponse http_response;
        std::istream& stream = session.receiveResponse(http_response);
        std::ostringstream answer;
        Poco::StreamCopier::copyStream(stream, answer);
        return ControlReply{static_cast<int>(http_response.getStatus()), answer.str()};
    } catch (const Poco::Exception& e) {
        return common::makeError(common::ErrorCode::Protocol,
                                 "control request failed: " + e.displayText(), socket_path_);
    }
}

}  // namespace calconn::ctl
