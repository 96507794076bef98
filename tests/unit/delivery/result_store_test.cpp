#include "delivery/result_store.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mosaic::delivery {
namespace {

using namespace std::chrono_literals;

class Collector : public Subscriber {
 public:
  void deliver(const Message& message) override { messages.push_back(json::parse(message)); }
  std::vector<Json> messages;
};

struct FakeClock {
  Clock::time_point now = Clock::time_point() + 1h;
  std::function<Clock::time_point()> fn() {
    return [this] { return now; };
  }
};

TEST(ResultStore, SnapshotShowsRunningThenFinishedSteps) {
  FakeClock clock;
  ResultStore store({60s, 100, 1 << 20}, clock.fn());
  store.expect("r1", "recs");
  store.expect("r1", "ads");
  auto early = store.snapshot("r1");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->at("done"), false);
  EXPECT_EQ(early->at("pending"), (json::array{"recs", "ads"}));
  store.finish("r1", "recs", Json(json::array{1, 2}));
  store.finish("r1", "ads", Failure::Status(503));
  EXPECT_EQ(store.snapshot("r1")->at("done"), false);  // not sealed: more could start
  store.seal("r1");
  auto done = store.snapshot("r1");
  EXPECT_EQ(done->at("done"), true);
  EXPECT_EQ(done->at("steps").at("recs").at("value"), (json::array{1, 2}));
  EXPECT_EQ(done->at("steps").at("ads").at("reason"), "status_503");
  EXPECT_EQ(store.snapshot("unknown"), std::nullopt);
}

TEST(ResultStore, ShedStepsAreNamedAsShed) {
  ResultStore store({60s, 100, 1 << 20});
  store.expect("r", "a");
  store.finish("r", "a", Failure::Of(FailureKind::kShed));
  EXPECT_EQ(store.snapshot("r")->at("steps").at("a").at("status"), "shed");
}

TEST(ResultStore, ASubscriberGetsTheBacklogThenLiveResultsThenDone) {
  ResultStore store({60s, 100, 1 << 20});
  store.expect("r", "a");
  store.expect("r", "b");
  store.finish("r", "a", Json("A"));
  auto sub = std::make_shared<Collector>();
  ASSERT_TRUE(store.subscribe("r", sub));
  ASSERT_EQ(sub->messages.size(), 1u);
  EXPECT_EQ(sub->messages[0].at("step"), "a");
  EXPECT_EQ(sub->messages[0].at("value"), "A");
  store.seal("r");
  store.finish("r", "b", Json("B"));
  ASSERT_EQ(sub->messages.size(), 3u);
  EXPECT_EQ(sub->messages[1].at("step"), "b");
  EXPECT_EQ(sub->messages[2].at("status"), "done");
  EXPECT_FALSE(store.subscribe("nope", sub));
}

TEST(ResultStore, AnUnsubscribedOrDestroyedSubscriberHearsNothingMore) {
  ResultStore store({60s, 100, 1 << 20});
  store.expect("r", "a");
  store.expect("r", "b");
  auto sub = std::make_shared<Collector>();
  store.subscribe("r", sub);
  store.unsubscribe("r", sub.get());
  store.finish("r", "a", Json(1));
  EXPECT_TRUE(sub->messages.empty());
  auto gone = std::make_shared<Collector>();
  store.subscribe("r", gone);
  gone.reset();
  store.finish("r", "b", Json(2));  // must not touch the destroyed subscriber
}

TEST(ResultStore, EntriesExpireAfterRetain) {
  FakeClock clock;
  ResultStore store({10s, 100, 1 << 20}, clock.fn());
  store.expect("r", "a");
  clock.now += 9s;
  EXPECT_TRUE(store.snapshot("r"));
  clock.now += 2s;
  EXPECT_FALSE(store.snapshot("r"));
  EXPECT_EQ(store.stats().expired, 1u);
  EXPECT_EQ(store.stats().requests, 0u);
}

TEST(ResultStore, TheOldestRequestsAreEvictedBeyondTheCount) {
  ResultStore store({60s, 3, 1 << 20});
  for (int i = 0; i < 5; ++i) store.expect("r" + std::to_string(i), "a");
  EXPECT_EQ(store.stats().requests, 3u);
  EXPECT_EQ(store.stats().evicted, 2u);
  EXPECT_FALSE(store.snapshot("r0"));
  EXPECT_FALSE(store.snapshot("r1"));
  EXPECT_TRUE(store.snapshot("r4"));
}

TEST(ResultStore, BytesStayUnderTheBoundWhateverTheResultsWeigh) {
  ResultStore store({60s, 1000, 64 * 1024});
  const std::string big(10 * 1024, 'x');
  for (int i = 0; i < 50; ++i) {
    const std::string id = "r" + std::to_string(i);
    store.expect(id, "a");
    store.finish(id, "a", Json(json::string(big)));
    EXPECT_LE(store.stats().bytes, 64u * 1024);
  }
  EXPECT_GT(store.stats().evicted, 40u);
  EXPECT_TRUE(store.snapshot("r49"));
}

}  // namespace
}  // namespace mosaic::delivery
