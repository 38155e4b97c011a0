// Throughput of the detector over a corpus of realistic invitation bodies, and of a naive baseline
// (tags stripped, then each service regex run with RE2 over the text, first match wins) over the
// same corpus in the same run. Counters: bytes/s (MB/s per core, single thread) and accuracy
// (share of bodies whose expected join URI was chosen). Also times 5 MiB hostile bodies.
#include <benchmark/benchmark.h>
#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "Invitations.h"
#include "detect/Detector.h"

namespace calconn::detect {
namespace {

using namespace testing;  // NOLINT: the builders

struct Body {
    std::string location;
    std::string body;
    BodyType type;
    std::string expected;  // join URI a correct detector chooses
};

std::vector<Body> buildCorpus() {
    std::vector<Body> c;
    const auto H = BodyType::Html;
    const auto T = BodyType::Text;
    for (int round = 0; round < 4; ++round) {
        int agenda = 4 + round * 12;  // short notes up to long agendas
        c.push_back({"Microsoft Teams Meeting", html(agendaHtml(agenda) + teamsHtml(kTeamsJoin)), H, kTeamsJoin});
        c.push_back({"Room 2.17; Microsoft Teams Meeting", html(agendaHtml(agenda) + teamsHtml(safeLinks(kTeamsJoin), "contoso@m.webex.com",
                     " originalsrc=\"" + htmlEscape(kTeamsJoin) + "\"")), H, kTeamsJoin});
        c.push_back({"Microsoft Teams Meeting", html(agendaHtml(agenda) + teamsHtml(safeLinks(kTeamsJoin))), H, kTeamsJoin});
        c.push_back({"Microsoft Teams Meeting", agendaText(agenda) + teamsText(kTeamsJoin, "813878896@t.plcm.vc"), T, kTeamsJoin});
        c.push_back({"", html(agendaHtml(agenda) + zoomHtml()), H, kZoomJoin});
        c.push_back({kZoomJoin, agendaText(agenda) + zoomText(), T, kZoomJoin});
        c.push_back({"", agendaText(agenda) + zoomText(safeLinks(kZoomJoin)), T, kZoomJoin});
        c.push_back({"", agendaText(agenda) + zoomText(proofpointV3(kZoomJoin)), T, kZoomJoin});
        c.push_back({"", html(agendaHtml(agenda) + webexHtml()), H, kWebexJoin});
        c.push_back({"", agendaText(agenda) + webexText(), T, kWebexJoin});
        c.push_back({"", html(agendaHtml(agenda) + webexHtml(proofpointV2(kWebexJoin))), H, kWebexJoin});
        c.push_back({"", agendaText(agenda) + meetText(), T, kMeetJoin});
        c.push_back({"", html("<p>Join with Google Meet: " + anchor(googleRedirect(kMeetJoin), "meet.google.com/abc-defg-hij") + "</p>" +
                              agendaHtml(agenda)), H, kMeetJoin});
        // Forwarded: a current Teams block above a quoted Zoom invitation.
        c.push_back({"Microsoft Teams Meeting", html(teamsHtml(kTeamsJoin) + "<div id=\"divRplyFwdMsg\"><b>From:</b> Bob<br><b>Sent:</b> Monday</div>" +
                     agendaHtml(agenda) + zoomHtml()), H, kTeamsJoin});
        // Backup link in the agenda, Teams placeholder.
        c.push_back({"Microsoft Teams Meeting", html("<p>If Teams fails: " + anchor(kZoomJoin, "backup Zoom") + "</p>" + agendaHtml(agenda) +
                     teamsHtml(kTeamsJoin)), H, kTeamsJoin});
    }
    return c;
}

const std::vector<Body>& corpus() {
    static const std::vector<Body> c = buildCorpus();
    return c;
}

std::size_t corpusBytes() {
    std::size_t n = 0;
    for (const auto& b : corpus()) n += b.body.size() + b.location.size();
    return n;
}

void BM_Detector(benchmark::State& state) {
    Detector detector;
    std::size_t correct = 0;
    for (const auto& b : corpus()) {
        DetectorInput in;
        in.location = b.location;
        in.body = b.body;
        in.body_type = b.type;
        Detection d = detector.detect(in);
        correct += d.uri.value_or("") == b.expected ? 1 : 0;
    }
    for (auto _ : state) {
        for (const auto& b : corpus()) {
            DetectorInput in;
            in.location = b.location;
            in.body = b.body;
            in.body_type = b.type;
            Detection d = detector.detect(in);
            benchmark::DoNotOptimize(d);
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpusBytes()));
    state.counters["accuracy"] = static_cast<double>(correct) / static_cast<double>(corpus().size());
    state.counters["bodies"] = static_cast<double>(corpus().size());
}
BENCHMARK(BM_Detector)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

// Naive baseline: strip tags, then each service regex in turn over the text; first match wins.
struct Naive {
    std::vector<std::unique_ptr<RE2>> patterns;
    Naive() {
        for (const char* p : {
                 R"(https://teams\.microsoft\.(?:com|us)/l/meetup-join/[^\s<>"]+)",
                 R"(https://(?:[a-z0-9-]+\.)?zoom(?:gov)?\.(?:us|com)/(?:j|my|w)/[^\s<>"]+)",
                 R"(https://[a-z0-9-]+\.webex\.com/[^\s<>"]+)",
                 R"(https://meet\.google\.com/[a-z-]+)",
                 R"(https://(?:global\.gotomeeting\.com/join|meet\.goto\.com)/[^\s<>"]+)",
                 R"(https://bluejeans\.com/[^\s<>"]+)",
                 R"(https://chime\.aws/[0-9]+)",
                 R"(https://meet\.jit\.si/[^\s<>"]+)",
                 R"(https://whereby\.com/[^\s<>"]+)",
                 R"(https://app\.slack\.com/huddle/[^\s<>"]+)",
                 R"(https://(?:v|meetings)\.ringcentral\.com/[^\s<>"]+)",
                 R"(https://meet\.lync\.com/[^\s<>"]+)",
                 R"(sips?:[^\s<>"]+@[^\s<>"]+)"}) {
            patterns.push_back(std::make_unique<RE2>(p));
        }
    }
    std::string detect(const Body& b) const {
        std::string text = b.location + "\n";
        if (b.type == BodyType::Html) {
            text.reserve(b.body.size());
            bool in_tag = false;
            for (char c : b.body) {
                if (c == '<') in_tag = true;
                else if (c == '>') in_tag = false;
                else if (!in_tag) text += c;
            }
        } else {
            text += b.body;
        }
        std::string match;
        for (const auto& re : patterns) {
            re2::StringPiece input(text);
            re2::StringPiece found;
            if (re->Match(input, 0, input.size(), RE2::UNANCHORED, &found, 1)) {
                return std::string(found.data(), found.size());
            }
        }
        return {};
    }
};

void BM_NaiveBaseline(benchmark::State& state) {
    Naive naive;
    std::size_t correct = 0;
    for (const auto& b : corpus()) correct += naive.detect(b) == b.expected ? 1 : 0;
    for (auto _ : state) {
        for (const auto& b : corpus()) {
            std::string uri = naive.detect(b);
            benchmark::DoNotOptimize(uri);
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpusBytes()));
    state.counters["accuracy"] = static_cast<double>(correct) / static_cast<double>(corpus().size());
}
BENCHMARK(BM_NaiveBaseline)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

std::string repeat(std::string_view unit, std::size_t total) {
    std::string out;
    out.reserve(total + unit.size());
    while (out.size() < total) out += unit;
    return out;
}

// 5 MiB hostile bodies; the detector reads them whole (cap raised to 8 MiB).
void BM_Hostile5MiB(benchmark::State& state) {
    static const std::vector<std::pair<std::string, BodyType>> kUnits = {
        {"<", BodyType::Html},
        {"<div><span><b>", BodyType::Html},
        {"<a href=\"https://zoom.us/j/1\">x</a>", BodyType::Html},
        {"<p a=b c='d' e=\"f\" ", BodyType::Html},
        {"&#x41;&amp;&#9999999999;&nbsp&", BodyType::Html},
        {":", BodyType::Text},
        {"a@zoomcrc.com b@webex.com ", BodyType::Text},
        {"http://", BodyType::Text},
        {"<https:// ", BodyType::Text},
        {"https://a/%\n", BodyType::Text},
        {"https://x.safelinks.protection.outlook.com/?url=", BodyType::Text},
        {"+1,,", BodyType::Text},
        {"From: x\n", BodyType::Text},
        {"ada@contoso.example ", BodyType::Text},
    };
    const auto& [unit, type] = kUnits[static_cast<std::size_t>(state.range(0))];
    std::string body = repeat(unit, 5 * 1024 * 1024);
    DetectorOptions options;
    options.max_body_size = 8 * 1024 * 1024;
    Detector detector(options);
    for (auto _ : state) {
        DetectorInput in;
        in.body = body;
        in.body_type = type;
        Detection d = detector.detect(in);
        benchmark::DoNotOptimize(d);
    }
    state.SetLabel(unit.substr(0, 24));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_Hostile5MiB)->DenseRange(0, 13)->Unit(benchmark::kMillisecond)->Iterations(3);

// The same hostile bodies with the default 1 MiB cap (what the daemon does).
void BM_Hostile5MiBDefaultCap(benchmark::State& state) {
    std::string body = repeat(state.range(0) == 0 ? "<" : "a@zoomcrc.com ", 5 * 1024 * 1024);
    Detector detector;
    for (auto _ : state) {
        DetectorInput in;
        in.body = body;
        in.body_type = BodyType::Html;
        Detection d = detector.detect(in);
        benchmark::DoNotOptimize(d);
    }
}
BENCHMARK(BM_Hostile5MiBDefaultCap)->DenseRange(0, 1)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace calconn::detect

BENCHMARK_MAIN();
