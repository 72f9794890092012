// Block-wise transfers (RFC 7959) in both roles.
//
// Client: a request body larger than one block goes out block by block (Block1), each waiting for
// its 2.31 Continue; a response with Block2 M=1 is followed by requests for the next blocks until
// the body is whole. A notification's blocks are fetched with a token of their own, so that a newer
// notification (which restarts the download) is never confused with them. The peer may ask for
// smaller blocks at any time (late negotiation): the next block number follows from the byte
// offset. Server: Block1 bodies are reassembled (ServerTransfers) before the application sees the
// request; responses and notifications larger than one block are cut to the requested block, and
// the whole body is cached to answer the follow-up requests without bothering the application.
#include <algorithm>

#include "engine_impl.hpp"

namespace drover::coap {
namespace {

void copy_head(const Message& from, Message& to) {
  to.clear();
  to.type = from.type;
  to.code = from.code;
  to.token = from.token;
  for (std::size_t i = 0; i < from.option_count(); ++i) {
    OptionView o = from.option(i);
    to.add_option(o.number, o.value);
  }
}

std::array<std::uint8_t, 8> body_etag(std::span<const std::uint8_t> body) {
  std::uint64_t h = 1469598103934665603ull;
  for (auto b : body) h = (h ^ b) * 1099511628211ull;
  std::array<std::uint8_t, 8> tag{};
  for (std::size_t i = 0; i < 8; ++i) tag[i] = static_cast<std::uint8_t>(h >> (56 - 8 * i));
  return tag;
}

bool same_option(const Message& a, const Message& b, std::uint16_t number) {
  auto x = a.find(number);
  auto y = b.find(number);
  if (!x || !y) return !x && !y;
  return std::equal(x->value.begin(), x->value.end(), y->value.begin(), y->value.end());
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Client.

void Engine::Impl::compose_upload_block(const ClientRequest& req, Message& out) const {
  copy_head(req.request, out);
  const BlockOption& b = req.upload->block;
  auto body = req.request.payload();
  std::size_t offset = b.offset();
  std::size_t length = std::min(b.size(), body.size() - offset);
  out.set_payload(body.subspan(offset, length));
  write_block(out, options::Block1, BlockOption{b.num, offset + length < body.size(), b.szx});
  if (b.num == 0)
    out.set_uint_option(options::Size1, static_cast<std::uint32_t>(body.size()));
  else
    out.remove_option(options::Size1);
}

void Engine::Impl::compose_download_request(const ClientRequest& req, Message& out) const {
  copy_head(req.request, out);
  out.remove_option(options::Observe);  // RFC 7959 §2.6: follow-ups are plain requests
  out.remove_option(options::Block1);
  out.remove_option(options::Size1);
  if (req.request.code == codes::Fetch) out.set_payload(req.request.payload());
  write_block(out, options::Block2, BlockOption{req.download->next_num, false, req.download->szx});
}

bool Engine::Impl::continue_upload(ClientRequest& req, TimePoint now) {
  if (in.code != codes::Continue) {  // the final response (or an error) ends the upload
    req.upload.reset();
    return false;
  }
  BlockOption& sent = req.upload->block;
  BlockOption echo;
  bool was_last = sent.offset() + sent.size() >= req.request.payload().size();
  if (read_block(in, options::Block1, echo) != BlockRead::Valid || echo.num != sent.num ||
      was_last) {
    fail_request(req.id, FailureReason::BlockTransfer, now);
    return true;
  }
  std::size_t next_offset = sent.offset() + sent.size();
  std::uint8_t szx = std::min(sent.szx, echo.szx);  // the server may ask for smaller blocks
  std::size_t next_num = next_offset / BlockOption::size_of(szx);
  if (next_num > BlockOption::max_num) {
    fail_request(req.id, FailureReason::BlockTransfer, now);
    return true;
  }
  sent = BlockOption{static_cast<std::uint32_t>(next_num), true, szx};
  follow_up(req, now);
  return true;
}

bool Engine::Impl::continue_download(ClientRequest& req, bool on_transfer_token,
                                     bool answers_current, TimePoint now) {
  BlockOption b;
  BlockRead r = read_block(in, options::Block2, b);
  if (r == BlockRead::Absent) {
    if (!on_transfer_token) {
      end_download(req);
      return false;  // a whole response (which also replaces a download in progress)
    }
    transfer_failed(req, FailureReason::BlockTransfer, now);
    return true;
  }
  if (r == BlockRead::Invalid) {
    transfer_failed(req, FailureReason::BlockTransfer, now);
    return true;
  }
  if (b.num == 0 && !on_transfer_token) {
    end_download(req);  // a newer response or notification restarts any download
    if (!b.more) {
      in.remove_option(options::Block2);
      return false;
    }
    auto size2 = in.uint_option(options::Size2);
    if (in.payload().size() > config.max_body_size || (size2 && *size2 > config.max_body_size)) {
      transfer_failed(req, FailureReason::BodyTooLarge, now);
      return true;
    }
    if (in.payload().size() != b.size()) {
      transfer_failed(req, FailureReason::BlockTransfer, now);
      return true;
    }
    // Each Block2 request repeats a FETCH body (it selects what is read), so it must fit a block.
    if (!transfer_room() || (req.request.code == codes::Fetch &&
                             req.request.payload().size() > BlockOption::size_of(req.szx))) {
      transfer_failed(req, FailureReason::Resources, now);
      return true;
    }
    Block2Download& d = req.download.emplace();
    ++client_downloads;
    d.body.assign(in.payload().begin(), in.payload().end());
    d.notification = in.has_option(options::Observe);
    d.head = std::move(in);
    d.head.set_payload(std::span<const std::uint8_t>{});
    d.szx = std::min(b.szx, req.szx);
    d.next_num = static_cast<std::uint32_t>(d.body.size() / BlockOption::size_of(d.szx));
    if (req.kind == ClientRequest::Kind::Observe) {
      req.transfer_token = new_token(req.peer);
      tokens.emplace(TokenKey(req.peer, *req.transfer_token), req.id);
      req.current_on_transfer_token = true;
    }
    follow_up(req, now);
    return true;
  }

  // A later block: it must be the answer to our follow-up, at the offset we asked for.
  if (!req.download || !answers_current) {
    ++stats.unmatched;
    return true;
  }
  Block2Download& d = *req.download;
  auto payload = in.payload();
  if (b.offset() != d.body.size() || (b.more && payload.size() != b.size()) ||
      !same_option(d.head, in, options::ETag)) {  // §2.4: a changed ETag means a changed body
    transfer_failed(req, FailureReason::BlockTransfer, now);
    return true;
  }
  if (d.body.size() + payload.size() > config.max_body_size) {
    transfer_failed(req, FailureReason::BodyTooLarge, now);
    return true;
  }
  d.body.insert(d.body.end(), payload.begin(), payload.end());
  if (b.more) {
    d.szx = std::min(d.szx, b.szx);
    std::size_t next_num = d.body.size() / BlockOption::size_of(d.szx);
    if (next_num > BlockOption::max_num) {
      transfer_failed(req, FailureReason::BlockTransfer, now);
      return true;
    }
    d.next_num = static_cast<std::uint32_t>(next_num);
    follow_up(req, now);
    return true;
  }
  Message whole = std::move(d.head);
  whole.set_payload(d.body);
  whole.remove_option(options::Block2);
  whole.remove_option(options::Size2);
  end_download(req);
  deliver(req, std::move(whole), now);
  return true;
}

void Engine::Impl::end_download(ClientRequest& req) {
  if (req.current_on_transfer_token && req.out != ClientRequest::Out::None) settle_current(req);
  if (req.download) {
    req.download.reset();
    --client_downloads;
  }
  if (req.transfer_token) {
    tokens.erase(TokenKey(req.peer, *req.transfer_token));
    req.transfer_token.reset();
  }
  req.current_on_transfer_token = false;
}

// ---------------------------------------------------------------------------------------------------------
// Server.

bool Engine::Impl::serve_cached_block(const PeerAddress& peer, const Message& request,
                                      TimePoint now) {
  std::uint64_t key = transfer_key(request, true);
  const Message* cached = transfers.find_response(peer, key);
  if (cached == nullptr) return false;
  BlockOption want;
  read_block(request, options::Block2, want);
  std::uint8_t szx = std::min(want.szx, config.block_szx);
  std::size_t size = BlockOption::size_of(szx);
  auto body = cached->payload();
  std::size_t offset = want.offset();
  if (offset >= body.size()) return false;  // past the end: the application's answer decides
  std::size_t length = std::min(size, body.size() - offset);
  bool more = offset + length < body.size();
  copy_head(*cached, scratch);
  scratch.set_payload(body.subspan(offset, length));
  write_block(scratch, options::Block2,
              BlockOption{static_cast<std::uint32_t>(offset / size), more, szx});
  scratch.set_uint_option(options::Size2, static_cast<std::uint32_t>(body.size()));
  reply_to_request(peer, request, scratch, now);
  if (!more) transfers.erase_response(peer, key);
  return true;
}

bool Engine::Impl::absorb_block1(const PeerAddress& peer, Message& request, BlockOption& last_block,
                                 TimePoint now) {
  BlockOption b = last_block;
  if (b.num == 0 && !b.more) {  // the whole body in one block: nothing to keep
    request.remove_option(options::Block1);
    request.remove_option(options::Size1);
    return false;
  }
  std::uint64_t key = transfer_key(request, false);
  switch (transfers.offer_block1(peer, key, b, request.uint_option(options::Size1),
                                 request.payload(), transfer_room(), now)) {
    case ServerTransfers::Block1Outcome::Continue:
      scratch.clear();
      scratch.code = codes::Continue;
      // Echo the block; a smaller SZX asks the client for smaller blocks from now on (§2.3).
      write_block(scratch, options::Block1,
                  BlockOption{b.num, true, std::min(b.szx, config.block_szx)});
      reply_to_request(peer, request, scratch, now);
      return true;
    case ServerTransfers::Block1Outcome::Complete:
      request.set_payload(transfers.take_body(peer, key));
      request.remove_option(options::Block1);
      request.remove_option(options::Size1);
      return false;
    case ServerTransfers::Block1Outcome::Incomplete:
      reply_code(peer, request, codes::RequestEntityIncomplete, now);
      return true;
    case ServerTransfers::Block1Outcome::TooLarge:
      reply_code(peer, request, codes::RequestEntityTooLarge, now, body_limit());
      return true;
    case ServerTransfers::Block1Outcome::BadBlock:
      reply_code(peer, request, codes::BadRequest, now);
      return true;
    case ServerTransfers::Block1Outcome::Busy:
      reply_overloaded(peer, request, now);
      return true;
  }
  return true;
}

bool Engine::Impl::slice_response(const PeerAddress& peer, std::uint64_t key,
                                  std::optional<BlockOption> requested, Message& response,
                                  TimePoint now) {
  // The application cut this block from a body of its own (served without a copy in the cache).
  if (response.has_option(options::Block2)) return true;
  std::uint8_t szx = config.block_szx;
  if (requested) szx = std::min(szx, requested->szx);
  std::size_t size = BlockOption::size_of(szx);
  auto body = response.payload();
  std::size_t offset = requested ? requested->offset() : 0;
  if (!requested && body.size() <= size) return true;  // fits: no block-wise transfer
  if (offset > body.size() || (offset == body.size() && offset != 0)) return false;
  std::size_t length = std::min(size, body.size() - offset);
  bool more = offset + length < body.size();
  if (offset == 0 && !more) {  // the client asked for blocks, and one is enough
    write_block(response, options::Block2, BlockOption{0, false, szx});
    return true;
  }
  if (!response.has_option(options::ETag)) {  // lets the client notice a body change mid-transfer
    auto tag = body_etag(body);
    response.add_option(options::ETag, tag);
  }
  response.set_uint_option(options::Size2, static_cast<std::uint32_t>(body.size()));
  if (more) {
    Message whole = response;  // follow-ups are plain responses: no Observe, no Block1 echo
    whole.remove_option(options::Observe);
    whole.remove_option(options::Block1);
    transfers.store_response(peer, key, std::move(whole), transfer_room(), now);
  }
  slice.assign(body.begin() + static_cast<std::ptrdiff_t>(offset),
               body.begin() + static_cast<std::ptrdiff_t>(offset + length));
  response.set_payload(slice);
  write_block(response, options::Block2,
              BlockOption{static_cast<std::uint32_t>(offset / size), more, szx});
  return true;
}

}  // namespace drover::coap
