// CoAP codec throughput on typical LwM2M messages, into a reused (warm) Message / buffer.
// The "allocs" counter is heap allocations per iteration (expected 0 once warm).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "drover/coap/message.hpp"
#include "support/allocation_counter.hpp"

namespace {

using namespace drover::coap;

const std::uint8_t token_bytes[] = {0x3a, 0x91, 0x07, 0xc4};

// POST /rd?ep=...&lt=...&lwm2m=1.1&b=U with a ~100-byte link-format payload.
Message make_register() {
  Message m;
  m.type = Type::Con;
  m.code = codes::Post;
  m.message_id = 0x1201;
  m.token = Token(token_bytes);
  m.set_uri_path("/rd");
  m.add_uint_option(options::ContentFormat, 40);
  m.add_uri_queries("ep=urn:imei:356938035643809&lt=86400&lwm2m=1.1&b=U");
  m.set_payload(
      "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>,</4/0>,</5/0>,</6/0>,</3303/0>,</3303/1>,</3311/"
      "0>");
  return m;
}

// Piggybacked 2.05 to a Read, SenML JSON (11542), 60-byte payload.
Message make_read_response() {
  Message m;
  m.type = Type::Ack;
  m.code = codes::Content;
  m.message_id = 0x2202;
  m.token = Token(token_bytes);
  m.add_uint_option(options::ContentFormat, 11542);
  m.set_payload(std::string(60, 'v'));
  return m;
}

// NON notification: Observe sequence number, token, Content-Format, small payload.
Message make_notification() {
  Message m;
  m.type = Type::Non;
  m.code = codes::Content;
  m.message_id = 0x3303;
  m.token = Token(token_bytes);
  m.add_uint_option(options::Observe, 0x01a2b3);
  m.add_uint_option(options::ContentFormat, 11542);
  m.set_payload(R"([{"bn":"/3303/0/5700","v":21.5}])");
  return m;
}

template <Message (*Make)()>
void BM_Parse(benchmark::State& state) {
  std::vector<std::uint8_t> wire;
  serialize(Make(), wire);
  Message msg;
  if (parse(wire, msg)) state.SkipWithError("parse failed");
  const std::size_t before = drover::testing_support::allocations();
  for (auto _ : state) {
    auto failure = parse(wire, msg);
    benchmark::DoNotOptimize(failure);
    benchmark::DoNotOptimize(msg);
  }
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(drover::testing_support::allocations() - before),
                                                benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
  state.SetLabel(std::to_string(wire.size()) + " bytes");
}

template <Message (*Make)()>
void BM_Serialize(benchmark::State& state) {
  const Message msg = Make();
  std::vector<std::uint8_t> wire;
  serialize(msg, wire);
  const std::size_t before = drover::testing_support::allocations();
  for (auto _ : state) {
    wire.clear();
    serialize(msg, wire);
    benchmark::DoNotOptimize(wire.data());
  }
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(drover::testing_support::allocations() - before),
                                                benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
  state.SetLabel(std::to_string(wire.size()) + " bytes");
}

BENCHMARK(BM_Parse<make_register>)->Name("Parse/Register");
BENCHMARK(BM_Parse<make_read_response>)->Name("Parse/ReadResponse");
BENCHMARK(BM_Parse<make_notification>)->Name("Parse/Notification");
BENCHMARK(BM_Serialize<make_register>)->Name("Serialize/Register");
BENCHMARK(BM_Serialize<make_read_response>)->Name("Serialize/ReadResponse");
BENCHMARK(BM_Serialize<make_notification>)->Name("Serialize/Notification");

}  // namespace

BENCHMARK_MAIN();
