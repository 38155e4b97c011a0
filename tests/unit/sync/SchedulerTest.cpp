#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "sync/Scheduler.h"

namespace calconn::sync {
namespace {

using namespace std::chrono_literals;

const common::TimePoint kStart = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + 8h;

// Records rounds; mailboxes listed in `failing` fail.
struct FakeRounds {
    std::mutex mutex;
    std::vector<std::pair<std::string, bool>> calls;
    std::set<std::string> failing;
    std::optional<std::chrono::milliseconds> retry_after;

    Scheduler::RunRound fn() {
        return [this](const std::string& upn, bool full) {
            std::lock_guard lock(mutex);
            calls.emplace_back(upn, full);
            RoundReport r;
            r.ok = !failing.count(upn);
            r.state = r.ok ? core::MailboxState::Active : core::MailboxState::Error;
            r.retry_after = retry_after;
            return r;
        };
    }
    std::vector<std::string> upns() {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (const auto& c : calls) out.push_back(c.first);
        return out;
    }
};

SchedulerOptions options() {
    SchedulerOptions o;
    o.workers = 2;
    o.poll_interval = 60s;
    o.jitter = 0.1;
    o.backoff_initial = 60s;
    o.backoff_max = 1h;
    o.seed = 42;
    return o;
}

TEST(Scheduler, NewMailboxesRunAtOnceThenOncePerPollInterval) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    Scheduler s(rounds.fn(), clock, options());
    s.setMailboxes({"a@x", "b@x", "c@x"});
    EXPECT_EQ(s.step().size(), 3u);
    EXPECT_TRUE(s.step().empty());  // nothing due until the interval passed
    clock.advance(53s);             // below the jittered minimum (54 s)
    EXPECT_TRUE(s.step().empty());
    clock.advance(14s);  // past the jittered maximum (66 s)
    EXPECT_EQ(s.step().size(), 3u);
    EXPECT_EQ(rounds.calls.size(), 6u);
    for (const auto& call : rounds.calls) EXPECT_FALSE(call.second);
}

TEST(Scheduler, AReloadedPollIntervalAppliesFromTheNextRound) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    auto o = options();
    o.jitter = 0;
    Scheduler s(rounds.fn(), clock, o);
    s.addMailbox("a@x");
    s.step();
    EXPECT_EQ(s.schedule("a@x")->next_due, kStart + 60s);
    s.setPollInterval(5min);
    clock.advance(60s);
    s.step();
    EXPECT_EQ(s.schedule("a@x")->next_due, kStart + 6min);
}

TEST(Scheduler, JitterSpreadsMailboxesOverTheInterval) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    Scheduler s(rounds.fn(), clock, options());
    std::vector<std::string> upns;
    for (int i = 0; i < 50; ++i) upns.push_back("u" + std::to_string(i) + "@x");
    s.setMailboxes(upns);
    s.step();
    std::set<common::TimePoint> due;
    for (const auto& m : s.snapshot()) {
        EXPECT_GE(m.next_due, kStart + 54s);
        EXPECT_LE(m.next_due, kStart + 66s);
        due.insert(m.next_due);
    }
    EXPECT_GT(due.size(), 40u);
}

TEST(Scheduler, LeastRecentlySyncedGoesFirst) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    auto o = options();
    o.jitter = 0;
    Scheduler s(rounds.fn(), clock, o);
    s.addMailbox("b@x");
    s.step();
    clock.advance(10s);
    s.addMailbox("a@x");
    s.step();
    clock.advance(2min);
    // Both due; b synced longer ago.
    auto order = s.step();
    ASSERT_EQ(order.size(), 2u);
    EXPECT_EQ(order[0], "b@x");
    EXPECT_EQ(order[1], "a@x");
}

TEST(Scheduler, PendingNotificationsJumpTheQueue) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    auto o = options();
    o.jitter = 0;
    Scheduler s(rounds.fn(), clock, o);
    s.setMailboxes({"a@x", "b@x", "c@x"});
    s.step();
    clock.advance(30s);
    EXPECT_TRUE(s.notify("C@X"));  // case-insensitive
    EXPECT_FALSE(s.notify("nobody@x"));
    auto order = s.step();
    ASSERT_EQ(order, std::vector<std::string>{"c@x"});
    clock.advance(31s);  // a and b due now, c not (it just ran)
    s.notify("b@x");
    order = s.step();
    ASSERT_EQ(order.size(), 2u);
    EXPECT_EQ(order[0], "b@x");
}

TEST(Scheduler, FailingMailboxBacksOffExponentiallyUpToTheCap) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    rounds.failing.insert("bad@x");
    Scheduler s(rounds.fn(), clock, options());
    s.setMailboxes({"bad@x", "good@x"});
    std::vector<std::chrono::milliseconds> waits;
    for (int i = 0; i < 10; ++i) {
        s.step();
        auto sched = s.schedule("bad@x");
        ASSERT_TRUE(sched.has_value());
        EXPECT_EQ(sched->failures, i + 1);
        waits.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(sched->next_due - clock.now()));
        clock.set(sched->next_due);
    }
    // 1 min, 2, 4, ... capped at 1 h (jitter takes up to a quarter off).
    EXPECT_GE(waits[0], 45s);
    EXPECT_LE(waits[0], 60s);
    EXPECT_GE(waits[1], 90s);
    EXPECT_LE(waits[1], 120s);
    EXPECT_GE(waits[9], 45min);
    EXPECT_LE(waits[9], 60min);
    for (std::size_t i = 1; i < waits.size(); ++i) EXPECT_LE(waits[i], 1h);
    // Ten rounds over hours, not a loop.
    std::size_t bad_rounds = 0;
    for (const auto& upn : rounds.upns()) bad_rounds += upn == "bad@x";
    EXPECT_EQ(bad_rounds, 10u);
    EXPECT_GT(clock.now() - kStart, 3h);

    // Recovery resets the backoff.
    rounds.failing.clear();
    s.step();
    EXPECT_EQ(s.schedule("bad@x")->failures, 0);
}

TEST(Scheduler, RetryAfterLongerThanTheBackoffIsHonoured) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    rounds.failing.insert("t@x");
    rounds.retry_after = 10min;
    Scheduler s(rounds.fn(), clock, options());
    s.addMailbox("t@x");
    s.step();
    EXPECT_EQ(s.schedule("t@x")->next_due, kStart + 10min);
}

TEST(Scheduler, ResyncForcesAFullRoundNowAndResetsBackoff) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    rounds.failing.insert("a@x");
    Scheduler s(rounds.fn(), clock, options());
    s.setMailboxes({"a@x", "b@x"});
    s.step();
    rounds.failing.clear();
    EXPECT_TRUE(s.resync("a@x"));
    EXPECT_FALSE(s.resync("zz@x"));
    auto order = s.step();
    ASSERT_EQ(order, std::vector<std::string>{"a@x"});
    EXPECT_TRUE(rounds.calls.back().second);
    s.resyncAll();
    order = s.step();
    EXPECT_EQ(order.size(), 2u);
    EXPECT_TRUE(rounds.calls.back().second);
    // A full round that fails stays full for its retry.
    rounds.failing.insert("b@x");
    s.resync("b@x");
    s.step();
    clock.advance(2h);
    rounds.failing.clear();
    order = s.step();
    ASSERT_FALSE(order.empty());
    EXPECT_EQ(order[0], "b@x");  // full rounds go first
    EXPECT_EQ(rounds.calls[rounds.calls.size() - order.size()],
              (std::pair<std::string, bool>{"b@x", true}));
}

TEST(Scheduler, AResyncAskedForDuringARoundRunsRightAfterIt) {
    common::FakeClock clock(kStart);
    std::vector<bool> fulls;
    Scheduler* scheduler = nullptr;
    Scheduler s(
        [&](const std::string& upn, bool full) {
            fulls.push_back(full);
            if (fulls.size() == 1) scheduler->resync(upn);  // e.g. calconnctl mailbox resync
            RoundReport r;
            r.ok = true;
            r.state = core::MailboxState::Active;
            return r;
        },
        clock, options());
    scheduler = &s;
    s.setMailboxes({"a@x"});
    ASSERT_EQ(s.step().size(), 1u);
    clock.advance(1ms);  // the next step, well before the poll interval
    ASSERT_EQ(s.step().size(), 1u);
    EXPECT_EQ(fulls, (std::vector<bool>{false, true}));
}

TEST(Scheduler, SetMailboxesAddsAndRemoves) {
    common::FakeClock clock(kStart);
    FakeRounds rounds;
    Scheduler s(rounds.fn(), clock, options());
    s.setMailboxes({"a@x", "b@x"});
    EXPECT_FALSE(s.addMailbox("A@x"));
    s.setMailboxes({"b@x", "c@x"});
    EXPECT_FALSE(s.contains("a@x"));
    EXPECT_TRUE(s.contains("c@x"));
    EXPECT_TRUE(s.removeMailbox("b@x"));
    EXPECT_FALSE(s.removeMailbox("b@x"));
    EXPECT_EQ(s.step(), std::vector<std::string>{"c@x"});
}

TEST(Scheduler, WorkersRunRoundsConcurrentlyAndStopCleanly) {
    common::SystemClock clock;
    std::atomic<int> in_flight{0};
    std::atomic<int> peak{0};
    std::atomic<int> done{0};
    auto o = options();
    o.workers = 3;
    o.poll_interval = 1h;
    Scheduler s(
        [&](const std::string&, bool) {
            const int now = ++in_flight;
            int seen = peak.load();
            while (now > seen && !peak.compare_exchange_weak(seen, now)) {
            }
            // Hold the round until a second one runs beside it (bounded), so the overlap the
            // test asserts does not depend on timing.
            const auto overlap_deadline = std::chrono::steady_clock::now() + 2s;
            while (peak.load() < 2 && std::chrono::steady_clock::now() < overlap_deadline)
                std::this_thread::sleep_for(1ms);
            --in_flight;
            ++done;
            RoundReport r;
            r.ok = true;
            return r;
        },
        clock, o);
    std::vector<std::string> upns;
    for (int i = 0; i < 12; ++i) upns.push_back("u" + std::to_string(i) + "@x");
    s.setMailboxes(upns);
    s.start();
    EXPECT_TRUE(s.started());
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (done.load() < 12 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(done.load(), 12);
    EXPECT_LE(peak.load(), 3);
    EXPECT_GE(peak.load(), 2);
    s.stop(5s);
    EXPECT_FALSE(s.started());
    EXPECT_EQ(done.load(), 12);  // each mailbox once: the next round is an hour away
}

TEST(Scheduler, StopCancelsRoundsPastTheDeadline) {
    common::SystemClock clock;
    std::atomic<bool> cancelled{false};
    std::atomic<bool> entered{false};
    Scheduler s(
        [&](const std::string&, bool) {
            entered = true;
            const auto deadline = std::chrono::steady_clock::now() + 10s;
            while (!cancelled.load() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(1ms);
            RoundReport r;
            return r;
        },
        clock, options());
    s.setCancelHook([&] { cancelled = true; });
    s.addMailbox("slow@x");
    s.start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!entered.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    const auto t0 = std::chrono::steady_clock::now();
    s.stop(50ms);
    EXPECT_TRUE(cancelled.load());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

}  // namespace
}  // namespace calconn::sync
