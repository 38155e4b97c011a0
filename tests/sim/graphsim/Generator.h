// Deterministic tenant generator: the same seed and sizes give the same mailboxes, events and
// invitation bodies on every machine (own PRNG distributions, no libstdc++ distribution types).
#pragma once

#include <cstdint>
#include <string>

#include "Tenant.h"

namespace calconn::graphsim {

struct GeneratorConfig {
    std::uint64_t seed = 1;
    int users = 10;
    int rooms = 2;
    int events_per_mailbox = 10;
    std::int64_t base_day = 0;  // days since epoch the generated calendars are centred on
    std::string tenant_id = "00000000-0000-0000-0000-000000000000";
    std::string domain = "contoso.example";
};

// Small, fully specified PRNG wrapper (mt19937_64's output sequence is fixed by the standard).
class Prng {
public:
    explicit Prng(std::uint64_t seed);
    std::uint64_t next();
    std::uint64_t below(std::uint64_t n);  // [0, n)
    bool chance(int percent);
    std::string guid();

private:
    std::uint64_t state_[4];
};

// Builds the tenant; the caller owns it.
void generateTenant(Tenant& tenant, const GeneratorConfig& config);

// Invitation kinds; body text and join URLs are rendered from (kind, seed).
enum class InviteKind {
    TeamsHtml,
    TeamsText,
    TeamsShortLink,
    ZoomHtml,
    ZoomText,
    WebexHtml,
    GoogleMeetText,
    SipOnly,
    PhoneOnly,
    NoLink,
    KeywordWebex,
    KeywordMeet,
    TeamsSafeLinks,
    ZoomProofpoint,
    kCount
};

std::string renderBody(const BodySpec& body, const std::string& subject);
// Join URL the invitation carries (empty when it has none).
std::string inviteJoinUrl(InviteKind kind, std::uint64_t seed);
bool inviteIsHtml(InviteKind kind);
std::string newEventCore(Prng& prng);

}  // namespace calconn::graphsim
