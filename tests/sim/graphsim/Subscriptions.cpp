#include "Subscriptions.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <chrono>
#include <memory>
#include <sstream>

#include "Generator.h"
#include "Json.h"

namespace calconn::graphsim {

namespace {

std::string isoWithMicro(Seconds t) {
    std::string s = formatIsoUtc(t);
    s.pop_back();
    return s + ".0000000Z";
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        return nullptr;
    } catch (const std::exception&) {
        return nullptr;
    }
}

SubscriptionManager::Outcome fail(int status, const std::string& code, const std::string& message) {
    SubscriptionManager::Outcome o;
    o.status = status;
    o.error_code = code;
    o.error_message = message;
    return o;
}

}  // namespace

SubscriptionManager::SubscriptionManager(SubscriptionConfig config) : config_(std::move(config)) {
    thread_ = std::thread([this] { worker(); });
}

SubscriptionManager::~SubscriptionManager() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

PostResult SubscriptionManager::post(const std::string& url, const std::string& content_type,
                                     const std::string& body, int timeout_ms) const {
    PostResult result;
    try {
        Poco::URI uri(url);
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        if (uri.getScheme() == "https") {
            Poco::Net::Context::Ptr context = new Poco::Net::Context(
                Poco::Net::Context::TLS_CLIENT_USE, "", "", config_.ca_file,
                Poco::Net::Context::VERIFY_RELAXED, 9, config_.ca_file.empty(),
                "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
            context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                      Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
            session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
        } else {
            session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        }
        session->setTimeout(Poco::Timespan(static_cast<long>(timeout_ms) * 1000));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType(content_type);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session->sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session->receiveResponse(response);
        std::ostringstream out;
        Poco::StreamCopier::copyStream(in, out);
        result.status = response.getStatus();
        result.body = out.str();
    } catch (const Poco::Exception& e) {
        result.error = e.displayText();
    } catch (const std::exception& e) {
        result.error = e.what();
    }
    return result;
}

std::optional<std::string> SubscriptionManager::validateUrl(const std::string& url,
                                                            std::string& message) const {
    const bool https = url.rfind("https://", 0) == 0;
    const bool http = url.rfind("http://", 0) == 0;
    if (!https && !(http && config_.allow_http)) {
        message = "The notification endpoint must be an https URL.";
        return std::string("InvalidRequest");
    }
    Prng prng(static_cast<std::uint64_t>(config_.now()) ^ std::hash<std::string>{}(url));
    const std::string token =
        "Validation: Testing client application reachability for subscription Request-Id: " +
        prng.guid();
    const char sep = url.find('?') == std::string::npos ? '?' : '&';
    auto started = std::chrono::steady_clock::now();
    PostResult r = post(url + sep + "validationToken=" + urlEncode(token),
                        "text/plain; charset=utf-8", "", 10000);
    auto elapsed = std::chrono::steady_clock::now() - started;
    if (r.status == 0 || elapsed > std::chrono::seconds(10)) {
        message = "Subscription validation request timed out.";
        return std::string("InvalidRequest");
    }
    if (r.status != 200) {
        message = "Subscription validation request failed. Notification endpoint must respond with "
                  "200 OK to validation request.";
        return std::string("ValidationError");
    }
    if (r.body != token) {
        message = "Subscription validation request failed. Response must exactly match "
                  "validationToken query parameter.";
        return std::string("ValidationError");
    }
    return std::nullopt;
}

std::string SubscriptionManager::subscriptionJson(const Subscription& s) const {
    JsonWriter w;
    w.beginObject().field("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity")
        .field("id", s.id).field("resource", s.resource).field("applicationId", s.app_id)
        .field("changeType", s.change_type).field("clientState", s.client_state)
        .field("notificationUrl", s.notification_url);
    if (s.lifecycle_url.empty()) w.nullField("lifecycleNotificationUrl");
    else w.field("lifecycleNotificationUrl", s.lifecycle_url);
    w.field("expirationDateTime", isoWithMicro(s.expiration)).field("creatorId", s.app_id)
        .nullField("includeResourceData").field("latestSupportedTlsVersion", s.latest_tls)
        .nullField("encryptionCertificate").nullField("encryptionCertificateId")
        .nullField("notificationQueryOptions").nullField("notificationUrlAppId")
        .endObject();
    return w.take();
}

SubscriptionManager::Outcome SubscriptionManager::create(const std::string& body, const std::string& app_id) {
    auto obj = parseObject(body);
    if (!obj) return fail(400, "InvalidRequest", "Invalid JSON in the request body.");
    Subscription s;
    s.change_type = obj->optValue<std::string>("changeType", "");
    s.notification_url = obj->optValue<std::string>("notificationUrl", "");
    s.lifecycle_url = obj->optValue<std::string>("lifecycleNotificationUrl", "");
    s.resource = obj->optValue<std::string>("resource", "");
    s.client_state = obj->optValue<std::string>("clientState", "");
    s.latest_tls = obj->optValue<std::string>("latestSupportedTlsVersion", "v1_2");
    s.app_id = app_id;
    const std::string expiration = obj->optValue<std::string>("expirationDateTime", "");
    if (s.change_type.empty() || s.notification_url.empty() || s.resource.empty() || expiration.empty())
        return fail(400, "InvalidRequest", "changeType, notificationUrl, resource and expirationDateTime are required.");
    if (s.client_state.size() > 128)
        return fail(400, "InvalidRequest", "clientState must be at most 128 characters.");
    // resource: [/]users/{id|upn}/events or me/events (app-only tokens cannot use me).
    std::string res = s.resource;
    if (!res.empty() && res[0] == '/') res.erase(0, 1);
    std::string lower = res;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string prefix = "users/";
    std::string user;
    if (lower.rfind(prefix, 0) == 0) {
        size_t slash = res.find('/', prefix.size());
        user = res.substr(prefix.size(), slash == std::string::npos ? std::string::npos : slash - prefix.size());
        std::string tail = slash == std::string::npos ? "" : lower.substr(slash);
        if (tail != "/events" && tail != "/calendar/events")
            return fail(400, "InvalidRequest", "Unsupported resource: " + s.resource);
    } else {
        return fail(400, "InvalidRequest", "Unsupported resource: " + s.resource);
    }
    s.mailbox_id = config_.resolve_user(user);
    if (s.mailbox_id.empty()) return fail(404, "ResourceNotFound", "Resource not found for the segment 'users'.");
    bool has_offset = false;
    auto exp = parseDateTime(expiration, &has_offset);
    if (!exp) return fail(400, "InvalidRequest", "expirationDateTime is not a valid date.");
    const Seconds now = config_.now();
    if (*exp > now + config_.max_minutes * 60LL)
        return fail(400, "ExtensionError", "Subscription expiration can only be " +
                                               std::to_string(config_.max_minutes) + " minutes in the future.");
    if (*exp < now) return fail(400, "InvalidRequest", "expirationDateTime must be in the future.");
    s.expiration = std::max(*exp, now + 45 * 60);
    std::string message;
    if (auto code = validateUrl(s.notification_url, message)) return fail(400, *code, message);
    if (!s.lifecycle_url.empty()) {
        if (auto code = validateUrl(s.lifecycle_url, message)) return fail(400, *code, message);
    }
    {
        std::lock_guard lock(mutex_);
        int per_mailbox = 0;
        for (const auto& [id, other] : subs_)
            if (other.mailbox_id == s.mailbox_id) ++per_mailbox;
        if (per_mailbox >= 1000)
            return fail(403, "ExtensionError", "The mailbox has reached its limit of 1000 subscriptions.");
        Prng prng(++counter_ * 7919 + static_cast<std::uint64_t>(now));
        s.id = prng.guid();
        subs_[s.id] = s;
    }
    Outcome o;
    o.status = 201;
    o.body = subscriptionJson(s);
    return o;
}

SubscriptionManager::Outcome SubscriptionManager::update(const std::string& id, const std::string& body,
                                                         const std::string& app_id) {
    auto obj = parseObject(body);
    if (!obj) return fail(400, "InvalidRequest", "Invalid JSON in the request body.");
    std::lock_guard lock(mutex_);
    auto it = subs_.find(id);
    if (it == subs_.end() || it->second.app_id != app_id)
        return fail(404, "ResourceNotFound", "The object was not found.");
    if (obj->has("lifecycleNotificationUrl"))
        return fail(400, "InvalidRequest", "lifecycleNotificationUrl can only be set when the subscription is created.");
    if (obj->has("expirationDateTime")) {
        auto exp = parseDateTime(obj->optValue<std::string>("expirationDateTime", ""));
        if (!exp) return fail(400, "InvalidRequest", "expirationDateTime is not a valid date.");
        const Seconds now = config_.now();
        if (*exp > now + config_.max_minutes * 60LL)
            return fail(400, "ExtensionError", "Subscription expiration can only be " +
                                                   std::to_string(config_.max_minutes) + " minutes in the future.");
        it->second.expiration = std::max(*exp, now + 45 * 60);
    }
    if (obj->has("notificationUrl")) it->second.notification_url = obj->optValue<std::string>("notificationUrl", "");
    Outcome o;
    o.body = subscriptionJson(it->second);
    return o;
}

SubscriptionManager::Outcome SubscriptionManager::remove(const std::string& id, const std::string& app_id) {
    std::lock_guard lock(mutex_);
    auto it = subs_.find(id);
    if (it == subs_.end() || it->second.app_id != app_id)
        return fail(404, "ResourceNotFound", "The object was not found.");
    subs_.erase(it);
    Outcome o;
    o.status = 204;
    return o;
}

SubscriptionManager::Outcome SubscriptionManager::reauthorize(const std::string& id, const std::string& app_id) {
    std::lock_guard lock(mutex_);
    auto it = subs_.find(id);
    if (it == subs_.end() || it->second.app_id != app_id)
        return fail(404, "ResourceNotFound", "The object was not found.");
    Outcome o;
    o.status = 204;
    return o;
}

SubscriptionManager::Outcome SubscriptionManager::get(const std::string& id, const std::string& app_id) const {
    std::lock_guard lock(mutex_);
    auto it = subs_.find(id);
    if (it == subs_.end() || it->second.app_id != app_id)
        return fail(404, "ResourceNotFound", "The object was not found.");
    Outcome o;
    o.body = subscriptionJson(it->second);
    return o;
}

SubscriptionManager::Outcome SubscriptionManager::list(const std::string& app_id) const {
    std::lock_guard lock(mutex_);
    std::string out = "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#subscriptions\",\"value\":[";
    bool first = true;
    for (const auto& [id, s] : subs_) {
        if (s.app_id != app_id) continue;
        if (!first) out += ",";
        first = false;
        std::string one = subscriptionJson(s);
        // Drop the per-entity @odata.context inside a collection.
        const size_t comma = one.find(",\"id\"");
        out.push_back('{');
        out.append(one, comma + 1, std::string::npos);
    }
    out += "]}";
    Outcome o;
    o.body = out;
    return o;
}

void SubscriptionManager::notifyChange(const std::string& mailbox_id, const std::string& event_id,
                                       const std::string& etag, const std::string& change_type) {
    std::lock_guard lock(mutex_);
    const Seconds now = config_.now();
    bool queued = false;
    for (auto it = subs_.begin(); it != subs_.end();) {
        Subscription& s = it->second;
        if (s.expiration <= now) {  // Graph deletes expired subscriptions
            it = subs_.erase(it);
            continue;
        }
        ++it;
        if (s.mailbox_id != mailbox_id || s.change_type.find(change_type) == std::string::npos) continue;
        const std::string resource = "Users/" + s.mailbox_id + "/Events/" + event_id;
        JsonWriter w;
        w.beginObject().field("subscriptionId", s.id)
            .field("subscriptionExpirationDateTime", formatIsoUtc(s.expiration).substr(0, 19) + "+00:00")
            .field("changeType", change_type).field("resource", resource)
            .key("resourceData").beginObject().field("@odata.type", "#Microsoft.Graph.Event")
            .field("@odata.id", resource);
        if (!etag.empty()) w.field("@odata.etag", etag);
        w.field("id", event_id).endObject();
        w.field("clientState", s.client_state).field("tenantId", config_.tenant_id).endObject();
        queue_.push_back(Pending{s.notification_url, w.take(), 0});
        queued = true;
    }
    if (queued) cv_.notify_all();
}

int SubscriptionManager::fireLifecycle(const std::string& id, const std::string& event) {
    std::lock_guard lock(mutex_);
    int count = 0;
    for (auto it = subs_.begin(); it != subs_.end();) {
        Subscription& s = it->second;
        if ((!id.empty() && s.id != id) || s.lifecycle_url.empty()) {
            ++it;
            continue;
        }
        JsonWriter w;
        w.beginObject().field("subscriptionId", s.id)
            .field("subscriptionExpirationDateTime", formatIsoUtc(s.expiration).substr(0, 19) + "+00:00")
            .field("tenantId", config_.tenant_id).field("clientState", s.client_state)
            .field("lifecycleEvent", event).endObject();
        queue_.push_back(Pending{s.lifecycle_url, w.take(), 0});
        ++count;
        if (event == "subscriptionRemoved") it = subs_.erase(it);
        else ++it;
    }
    if (count) cv_.notify_all();
    return count;
}

bool SubscriptionManager::flush(int timeout_ms) {
    std::unique_lock lock(mutex_);
    return idle_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [this] { return queue_.empty() && !busy_; });
}

std::string SubscriptionManager::countersJson() const {
    std::lock_guard lock(mutex_);
    JsonWriter w;
    w.beginObject().field("subscriptions", static_cast<std::int64_t>(subs_.size()))
        .field("posts", static_cast<std::int64_t>(posts_))
        .field("delivered", static_cast<std::int64_t>(delivered_))
        .field("failed", static_cast<std::int64_t>(failed_))
        .field("queued", static_cast<std::int64_t>(queue_.size())).endObject();
    return w.take();
}

void SubscriptionManager::worker() {
    std::unique_lock lock(mutex_);
    while (true) {
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) break;
        // Batch: everything queued for the same URL goes in one POST, as Graph does.
        std::vector<Pending> batch;
        batch.swap(queue_);
        busy_ = true;
        lock.unlock();
        std::map<std::string, std::vector<Pending*>> by_url;
        for (auto& p : batch) by_url[p.url].push_back(&p);
        std::vector<Pending> retry;
        std::uint64_t posts = 0, ok = 0, bad = 0;
        for (auto& [url, items] : by_url) {
            std::string body = "{\"value\":[";
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) body += ",";
                body += items[i]->item_json;
            }
            body += "]}";
            ++posts;
            PostResult r = post(url, "application/json; charset=utf-8", body, 3000);
            if (r.status >= 200 && r.status < 300) {
                ok += items.size();
            } else {
                for (auto* p : items) {
                    if (++p->attempts < 3) retry.push_back(*p);
                    else ++bad;
                }
            }
        }
        lock.lock();
        posts_ += posts;
        delivered_ += ok;
        failed_ += bad;
        for (auto& p : retry) queue_.push_back(std::move(p));
        busy_ = false;
        if (queue_.empty()) idle_cv_.notify_all();
        if (!retry.empty()) {
            // Back off before retrying a failing endpoint (Graph retries for hours; we keep it short).
            cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; });
        }
    }
}

}  // namespace calconn::graphsim
