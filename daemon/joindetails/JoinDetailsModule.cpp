#include "joindetails/JoinDetailsModule.h"

#include <Poco/Logger.h>

#include "net/PocoHttpClient.h"

namespace calconn::joindetails {

using common::ErrorCode;
using common::makeError;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("calconn.joindetails"); }

// The Webex client with the HTTP client it speaks through, so that one configuration owns
// both: a reload with another CA file or token gets a fresh pair while the old one finishes.
class OwnedWebexClient final : public WebexMeetings {
public:
    OwnedWebexClient(std::unique_ptr<net::PocoHttpClient> http, std::string endpoint,
                     crypto::SecretString token)
        : http_(std::move(http)), client_(*http_, std::move(endpoint), std::move(token)) {}

    common::Result<JoinDetails> createMeeting(const CreateMeetingRequest& request) override {
        return client_.createMeeting(request);
    }
    common::Result<JoinDetails> getMeeting(const std::string& meeting_id) override {
        return client_.getMeeting(meeting_id);
    }
    common::Status deleteMeeting(const std::string& meeting_id) override {
        return client_.deleteMeeting(meeting_id);
    }
    common::Result<std::vector<JoinDetails>> findMeetings(const MeetingQuery& query) override {
        return client_.findMeetings(query);
    }
    common::Result<JoinDetails> personalRoom(const std::string& user_email) override {
        return client_.personalRoom(user_email);
    }

private:
    std::unique_ptr<net::PocoHttpClient> http_;
    WebexMeetingsClient client_;
};

bool asksFor(const KeywordRule& rule, JoinAction action) {
    if (rule.action == action) return true;
    for (const auto& [modifier, modifier_action] : rule.modifiers) {
        if (modifier_action == action) return true;
    }
    return false;
}

}  // namespace

common::Result<std::shared_ptr<const RunnerConfig>> buildRunnerConfig(
    const settings::Settings& settings) {
    auto config = std::make_shared<RunnerConfig>();
    config->enabled = settings.joindetails.enabled;
    auto rules = effectiveKeywordRules(settings);
    if (!rules) return rules.error();
    config->rules = std::move(*rules);

    auto templates = TemplateStore::withOverrides(settings.joindetails.template_dir);
    if (!templates) return templates.error();
    config->templates = std::make_shared<const TemplateStore>(std::move(*templates));

    const bool token = !settings.webex.token_file.empty();
    if (token) {
        auto secret = readTokenFile(settings.webex.token_file);
        if (!secret) return secret.error();
        net::PocoHttpClientOptions http_options;
        http_options.tls.ca_file = settings.tls.ca_file;
        http_options.read_timeout = std::chrono::seconds(30);
        auto http = net::PocoHttpClient::create(http_options);
        if (!http) return http.error();
        config->webex = std::make_shared<OwnedWebexClient>(
            std::move(*http), settings.webex.api_endpoint, std::move(*secret));
    }

    if (!config->enabled) return std::shared_ptr<const RunnerConfig>(std::move(config));
    // The validator checks configured keywords; the defaults are checked here, where a missing
    // piece turns them off (or one of them) instead of failing the start.
    if (settings.keywords.empty() && settings.webex.site.empty() && !token) {
        logger().information(
            "keyword actions are off: set webex.site (personal rooms) or webex.token_file "
            "(Webex meetings) to use the default keywords @webex and @meet");
        config->enabled = false;
        return std::shared_ptr<const RunnerConfig>(std::move(config));
    }
    if (!token) {
        for (const auto& rule : config->rules) {
            if (asksFor(rule, JoinAction::WebexMeeting)) {
                logger().warning("keyword " + rule.keyword +
                                 " can ask for a Webex meeting, which needs webex.token_file; "
                                 "such meetings get no join details");
            }
        }
    }
    return std::shared_ptr<const RunnerConfig>(std::move(config));
}

JoinDetailsModule::JoinDetailsModule(Deps deps)
    : cache_(deps.store),
      updater_(deps.graph),
      locales_(
          [&graph = deps.graph](const std::string& mailbox) -> common::Result<std::string> {
              auto settings = graph.getMailboxSettings(mailbox);
              if (!settings) return settings.error();
              return settings->locale;
          },
          clock_) {}

JoinDetailsModule::~JoinDetailsModule() { stop(); }

common::Result<std::unique_ptr<JoinDetailsModule>> JoinDetailsModule::start(
    const settings::Settings& settings, Deps deps, RunnerOptions options) {
    auto config = buildRunnerConfig(settings);
    if (!config) {
        return makeError(config.error().code, "join details: " + config.error().message,
                         config.error().context);
    }
    std::unique_ptr<JoinDetailsModule> module(new JoinDetailsModule(deps));
    LocaleCache& locales = module->locales_;
    module->runner_ = std::make_unique<JoinDetailsRunner>(
        deps.bus, module->cache_, module->updater_,
        [&locales](const std::string& mailbox) { return locales.locale(mailbox); },
        std::move(*config), std::move(options));
    module->runner_->start();
    return module;
}

void JoinDetailsModule::reload(const settings::Settings& previous,
                               const settings::Settings& next) {
    auto config = buildRunnerConfig(next);
    if (!config) {
        logger().error("join details keep their previous configuration: " +
                       config.error().toString());
        return;
    }
    const bool matching_changed = previous.keywords != next.keywords ||
                                  previous.webex.site != next.webex.site ||
                                  previous.webex.token_file != next.webex.token_file ||
                                  previous.joindetails.enabled != next.joindetails.enabled;
    runner_->reconfigure(std::move(*config), matching_changed);
}

void JoinDetailsModule::stop() {
    if (runner_) runner_->stop();
}

}  // namespace calconn::joindetails
