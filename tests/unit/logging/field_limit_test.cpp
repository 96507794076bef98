// Fields larger than max_field are replaced by their size; json_size counts without serializing.
#include <gtest/gtest.h>

#include "log_capture.hpp"
#include "logging/context_logger.hpp"
#include "mosaic/json_text.hpp"
#include "response/json_size.hpp"

namespace mosaic::logging {
namespace {

using mosaic::testing::LogFile;
using mosaic::testing::str;

TEST(JsonSize, MatchesTheSerializedSize) {
  const char* documents[] = {
      R"(null)",
      R"(true)",
      R"(false)",
      R"(0)",
      R"(-1234567)",
      R"(18446744073709551615)",
      R"("")",
      R"("quote \" backslash \\ newline \n tab \t bell \u0007 unicode é")",
      R"({"a":[1,2,{"b":null,"c":"x"}],"d":{},"e":[]})",
      R"([{"id":1,"name":"item-1","tags":["red","green"]},{"id":2,"name":"item-2","tags":[]}])",
  };
  for (const char* text : documents) {
    const Json value = json::parse(text);
    EXPECT_EQ(response::json_size(value), json::serialize(value).size()) << text;
  }
}

TEST(JsonSize, CountsEveryByteValueAsTheWriterWritesIt) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t length : {1u, 8u, 9u, 17u}) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'z');
        text[at] = static_cast<char>(byte);
        const Json value = json::string(text);
        ASSERT_EQ(response::json_size(value), to_json_text(value).size())
            << "byte " << byte << " at " << at << " of " << length;
      }
    }
  }
}

TEST(JsonSize, StopsCountingPastTheLimit) {
  json::array big;
  for (int i = 0; i < 100000; ++i) big.emplace_back("item number " + std::to_string(i));
  const Json value(std::move(big));
  const std::size_t full = response::json_size(value);
  EXPECT_EQ(full, json::serialize(value).size());
  const std::size_t bounded = response::json_size(value, 1000);
  EXPECT_GT(bounded, 1000u);
  EXPECT_LT(bounded, full / 10);  // it stopped long before the end
}

TEST(FieldLimit, LargeFieldsAreReplacedByTheirSize) {
  LogFile file;
  json::object body;
  json::array items;
  for (int i = 0; i < 2000; ++i)
    items.emplace_back(json::object{{"id", i}, {"text", "lorem ipsum dolor sit amet"}});
  body["items"] = std::move(items);
  const std::size_t body_size = json::serialize(body).size();
  ASSERT_GT(body_size, 50000u);
  const std::string long_text(5000, 'x');
  {
    LogWriter::Options options;
    options.sink = file.sink();
    options.max_field = 1024;
    LogWriter writer(options);
    ContextLogger logger(&writer, "req-1", "POST /upload");
    logger.info(
        "request received",
        {{"body", body}, {"note", long_text}, {"user", "ada"}, {"small", json::array{1, 2}}});
    logger.info(std::string(3000, 'm'));
    ASSERT_TRUE(writer.flush());
  }
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 2u);
  const auto& line = lines[0];
  EXPECT_FALSE(line.contains("body"));
  EXPECT_EQ(line.at("body_size").as_int64(), static_cast<std::int64_t>(body_size));
  EXPECT_FALSE(line.contains("note"));
  EXPECT_EQ(line.at("note_size").as_int64(), 5002);  // with its quotes
  EXPECT_EQ(str(line, "user"), "ada");
  EXPECT_EQ(line.at("small"), json::parse("[1,2]"));
  EXPECT_LT(json::serialize(line).size(), 1024u);
  // An overlong message is cut, and says how long it was.
  EXPECT_LE(str(lines[1], "message").size(), 1024u + 3);
  EXPECT_EQ(lines[1].at("message_size").as_int64(), 3000);
}

TEST(FieldLimit, LinesCarryTheStandardKeysAndFieldsCannotOverwriteThem) {
  LogFile file;
  {
    LogWriter::Options options;
    options.sink = file.sink();
    LogWriter writer(options);
    ContextLogger logger(&writer, "req-7", "GET /home/{id}");
    logger.for_step("profile").warn("degradable step failed",
                                    {{"reason", "timeout"}, {"level", "fake"}});
    ASSERT_TRUE(writer.flush());
  }
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto& line = lines[0];
  EXPECT_EQ(str(line, "level"), "warn");
  EXPECT_EQ(str(line, "message"), "degradable step failed");
  EXPECT_EQ(str(line, "request_id"), "req-7");
  EXPECT_EQ(str(line, "pipeline"), "GET /home/{id}");
  EXPECT_EQ(str(line, "step"), "profile");
  EXPECT_EQ(str(line, "reason"), "timeout");
  EXPECT_EQ(str(line, "field_level"), "fake");
  const std::string time = str(line, "time");
  ASSERT_EQ(time.size(), 24u) << time;  // 2024-05-01T12:00:00.123Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');
}

TEST(LineFormat, NumbersAreWrittenPlainlyAndRequestLinesMayNameTheirStep) {
  LogFile file;
  {
    LogWriter::Options options;
    options.sink = file.sink();
    LogWriter writer(options);
    ContextLogger request(&writer, "req-8", "GET /x");
    request.warn("degradable step failed", {{"step", "orders"},
                                            {"ms", 5.34},
                                            {"big", 1e21},
                                            {"n", -42},
                                            {"text", "quote \" newline \n bell \x07"}});
    ASSERT_TRUE(writer.flush());
  }
  std::ifstream in(file.path());
  std::string text;
  std::getline(in, text);
  EXPECT_NE(text.find("\"ms\":5.34,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"n\":-42,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"step\":\"orders\""), std::string::npos) << text;  // fills the empty slot
  const auto line = json::parse(text).as_object();
  EXPECT_EQ(line.at("big").to_number<double>(), 1e21);
  EXPECT_EQ(str(line, "text"), "quote \" newline \n bell \x07");
}

}  // namespace
}  // namespace mosaic::logging
