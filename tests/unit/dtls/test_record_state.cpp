// The compact record state against GnuTLS itself: two GnuTLS sessions handshake in memory, then
// one side goes on with a RecordState made from its session while the other keeps GnuTLS.
#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drover/dtls/record_state.hpp"
#include "gnutls_session.hpp"

namespace drover::dtls {
namespace {

using detail::Session;

const std::vector<std::uint8_t> kKey(16, 0x5a);

int psk_key(gnutls_session_t, const gnutls_datum_t*, gnutls_datum_t* key) {
  key->data = static_cast<unsigned char*>(gnutls_malloc(kKey.size()));
  std::copy(kKey.begin(), kKey.end(), key->data);
  key->size = static_cast<unsigned>(kKey.size());
  return 0;
}

// A PSK client and server session of one suite, handshaken.
struct Pair {
  explicit Pair(const std::string& suite) : client(GNUTLS_CLIENT), server(GNUTLS_SERVER) {
    gnutls_psk_allocate_client_credentials(&client_psk);
    const gnutls_datum_t key{const_cast<std::uint8_t*>(kKey.data()), 16};
    gnutls_psk_set_client_credentials(client_psk, "dev", &key, GNUTLS_PSK_KEY_RAW);
    gnutls_psk_allocate_server_credentials(&server_psk);
    gnutls_psk_set_server_credentials_function2(server_psk, &psk_key);
    const std::string priorities =
        "NONE:+VERS-DTLS1.2:+PSK:+" + suite + ":+AEAD:+COMP-NULL:+SIGN-ALL:+GROUP-ALL:+SHA256";
    for (auto* s : {&client, &server}) {
      EXPECT_EQ(gnutls_priority_set_direct(s->get(), priorities.c_str(), nullptr), 0);
      s->set_timing(1280, std::chrono::seconds(1), std::chrono::seconds(30));
    }
    gnutls_credentials_set(client.get(), GNUTLS_CRD_PSK, client_psk);
    gnutls_credentials_set(server.get(), GNUTLS_CRD_PSK, server_psk);
    int c = GNUTLS_E_AGAIN, s = GNUTLS_E_AGAIN;
    for (int round = 0; round < 20 && (c != 0 || s != 0); ++round) {
      if (c != 0) c = detail::run_handshake(client.get());
      deliver(client, server, [&] {
        if (s != 0) s = detail::run_handshake(server.get());
      });
      deliver(server, client, [&] {
        if (c != 0) c = detail::run_handshake(client.get());
      });
    }
    EXPECT_EQ(c, 0);
    EXPECT_EQ(s, 0);
  }
  ~Pair() {
    gnutls_psk_free_client_credentials(client_psk);
    gnutls_psk_free_server_credentials(server_psk);
  }

  // Hands each datagram `from` pushed to `to`, calling `step` for each.
  static void deliver(Session& from, Session& to, const std::function<void()>& step) {
    auto datagrams = std::move(from.output);
    from.output.clear();
    for (const auto& d : datagrams) {
      to.set_input(d);
      step();
    }
  }

  // What the GnuTLS session `s` reads from `datagram`.
  static std::string gnutls_reads(Session& s, std::span<const std::uint8_t> datagram) {
    s.set_input(datagram);
    std::vector<char> text(2048);
    const auto n = gnutls_record_recv(s.get(), text.data(), text.size());
    return n > 0 ? std::string(text.data(), static_cast<std::size_t>(n)) : "error";
  }

  static std::vector<std::uint8_t> gnutls_writes(Session& s, std::string_view text) {
    EXPECT_EQ(gnutls_record_send(s.get(), text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
    EXPECT_EQ(s.output.size(), 1u);
    auto datagram = std::move(s.output.back());
    s.output.clear();
    return datagram;
  }

  gnutls_psk_client_credentials_t client_psk = nullptr;
  gnutls_psk_server_credentials_t server_psk = nullptr;
  Session client, server;
};

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Opens the one record of `datagram`.
RecordState::Opened open(RecordState& state, std::span<const std::uint8_t> datagram,
                         std::vector<std::uint8_t>& buffer) {
  const auto record = next_record(datagram);
  EXPECT_TRUE(record);
  EXPECT_TRUE(datagram.empty());
  return state.unprotect(record->header, record->bytes, buffer);
}

class RecordStateSuites : public ::testing::TestWithParam<const char*> {};

TEST_P(RecordStateSuites, GnuTLSReadsOursAndWeReadGnuTLS) {
  Pair pair(GetParam());
  // The server's side goes on without its session: the client has sent nothing in epoch 1 but
  // its Finished (sequence number 0).
  auto state = detail::compact_state(pair.server.get(), 0);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->epoch(), 1);
  std::vector<std::uint8_t> buffer;
  for (int i = 0; i < 3; ++i) {
    const std::string up = "up " + std::to_string(i), down = "down " + std::to_string(i);
    const auto opened = open(*state, Pair::gnutls_writes(pair.client, up), buffer);
    ASSERT_EQ(opened.verdict, RecordState::Verdict::Opened);
    EXPECT_EQ(opened.type, ContentType::ApplicationData);
    EXPECT_EQ(std::string(opened.plaintext.begin(), opened.plaintext.end()), up);
    std::vector<std::uint8_t> record;
    ASSERT_TRUE(state->protect(ContentType::ApplicationData, bytes(down), record));
    EXPECT_EQ(Pair::gnutls_reads(pair.client, record), down);
  }
  // An empty record too (CoAP never sends one, but the length arithmetic must hold).
  std::vector<std::uint8_t> empty;
  ASSERT_TRUE(state->protect(ContentType::ApplicationData, {}, empty));
  pair.client.set_input(empty);
  std::array<char, 16> text{};
  EXPECT_EQ(gnutls_record_recv(pair.client.get(), text.data(), text.size()), GNUTLS_E_AGAIN);
}

TEST_P(RecordStateSuites, TheClientSideToo) {
  Pair pair(GetParam());
  auto state = detail::compact_state(pair.client.get(), 0);
  ASSERT_TRUE(state);
  std::vector<std::uint8_t> record, buffer;
  ASSERT_TRUE(state->protect(ContentType::ApplicationData, bytes("register"), record));
  EXPECT_EQ(Pair::gnutls_reads(pair.server, record), "register");
  const auto opened = open(*state, Pair::gnutls_writes(pair.server, "created"), buffer);
  ASSERT_EQ(opened.verdict, RecordState::Verdict::Opened);
  EXPECT_EQ(std::string(opened.plaintext.begin(), opened.plaintext.end()), "created");
}

TEST_P(RecordStateSuites, CloseNotifyReachesGnuTLS) {
  Pair pair(GetParam());
  auto state = detail::compact_state(pair.server.get(), 0);
  std::vector<std::uint8_t> alert;
  const std::array<std::uint8_t, 2> close_notify{1, 0};
  ASSERT_TRUE(state->protect(ContentType::Alert, close_notify, alert));
  pair.client.set_input(alert);
  std::array<char, 16> text{};
  EXPECT_EQ(gnutls_record_recv(pair.client.get(), text.data(), text.size()), 0);
}

TEST_P(RecordStateSuites, ReplayedOldAndTamperedRecordsAreDropped) {
  Pair pair(GetParam());
  auto state = detail::compact_state(pair.server.get(), 0);
  std::vector<std::uint8_t> buffer;
  std::vector<std::vector<std::uint8_t>> sent;
  for (int i = 0; i < 70; ++i)
    sent.push_back(Pair::gnutls_writes(pair.client, "record " + std::to_string(i)));
  using V = RecordState::Verdict;
  // Out of order within the window: each once.
  EXPECT_EQ(open(*state, sent[5], buffer).verdict, V::Opened);
  EXPECT_EQ(open(*state, sent[3], buffer).verdict, V::Opened);
  EXPECT_EQ(open(*state, sent[3], buffer).verdict, V::Replayed);
  EXPECT_EQ(open(*state, sent[5], buffer).verdict, V::Replayed);
  EXPECT_EQ(open(*state, sent[69], buffer).verdict, V::Opened);
  // 64 records behind the newest: older than the window.
  EXPECT_EQ(open(*state, sent[4], buffer).verdict, V::Replayed);
  EXPECT_EQ(open(*state, sent[6], buffer).verdict, V::Opened);
  // A flipped bit anywhere past the header's sequence number fails authentication, and the
  // window does not move for it: the genuine record still opens afterwards.
  for (const std::size_t at :
       {std::size_t{5}, std::size_t{11}, std::size_t{13}, std::size_t{22}, sent[10].size() - 1}) {
    auto tampered = sent[10];
    tampered[at] ^= 0x01;
    if (at == 11) {  // a changed length no longer frames the datagram
      std::span<const std::uint8_t> rest(tampered);
      EXPECT_FALSE(next_record(rest));
      continue;
    }
    EXPECT_EQ(open(*state, tampered, buffer).verdict, V::Forged) << "byte " << at;
  }
  EXPECT_EQ(open(*state, sent[10], buffer).verdict, V::Opened);
  // A record of another epoch is not this state's.
  auto other_epoch = sent[11];
  other_epoch[4] = 2;
  EXPECT_EQ(open(*state, other_epoch, buffer).verdict, V::OtherEpoch);
  // Too short to hold a nonce and a tag.
  const std::vector<std::uint8_t> short_record = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0,
                                                  0,  0,    99,   0, 3, 1, 2, 3};
  EXPECT_EQ(open(*state, short_record, buffer).verdict, V::Forged);
}

INSTANTIATE_TEST_SUITE_P(Aead, RecordStateSuites,
                         ::testing::Values("AES-128-CCM-8", "AES-128-CCM", "AES-128-GCM",
                                           "AES-256-GCM", "CHACHA20-POLY1305"));

TEST(RecordState, CbcSuitesKeepTheirSession) {
  Pair pair("AES-128-CBC");
  EXPECT_FALSE(detail::compact_state(pair.server.get(), 0));
}

}  // namespace
}  // namespace drover::dtls
