/* Every sentence `synack demo` prints, as X(id, English, Chinese).
 * {0}..{9} are replaced by arguments (tool_demo_text.c); English sentences
 * take "the {0}" with a side name, Chinese ones "{0}". Included by
 * tool_demo.h (the enum) and tool_demo_text.c (the table) only. */

/* names */
DEMO_MSG_ENUM_(NAME_CLIENT, "client", "客户端")
DEMO_MSG_ENUM_(NAME_SERVER, "server", "服务器")
DEMO_MSG_ENUM_(WORD_ON, "on", "开启")
DEMO_MSG_ENUM_(WORD_OFF, "off", "关闭")
DEMO_MSG_ENUM_(ISN_RANDOM, "random (RFC 6528)", "随机（RFC 6528）")
DEMO_MSG_ENUM_(BAD_CHECKSUM, "bad checksum", "校验和错误")

/* header */
DEMO_MSG_ENUM_(H_TITLE, "synack demo: the textbook TCP conversation, replayed on a simulated link",
               "synack 演示：在模拟链路上重演教科书里的 TCP 对话")
DEMO_MSG_ENUM_(H_TITLE_BULK, "synack demo: {0} bytes from the client to the server on a simulated link",
               "synack 演示：在模拟链路上从客户端向服务器传送 {0} 字节")
DEMO_MSG_ENUM_(H_ENDS, "client {0}:{1}  ⇄  server {2}:{3}    link, each direction: {4}",
               "客户端 {0}:{1}  ⇄  服务器 {2}:{3}    链路（每个方向）：{4}")
DEMO_MSG_ENUM_(H_CONF, "client ISN {0}, MSS {1}    server ISN {2}, MSS {3}    window scaling {4}    seed {5}",
               "客户端 ISN {0}，MSS {1}    服务器 ISN {2}，MSS {3}    窗口缩放{4}    种子 {5}")
DEMO_MSG_ENUM_(H_LEGEND,
               "time: when the segment left its sender (virtual ms); states: the sender's as it sent it, the receiver's after processing it",
               "时间：报文段离开发送方的时刻（虚拟时间，毫秒）；状态：发送方发出该报文段时的状态，接收方处理完它之后的状态")

DEMO_MSG_ENUM_(H_WSCALE,
               "win: the real window, in bytes; after the handshake the field carries it shifted right by the sender's scale (RFC 7323 §2.3)",
               "win：真实窗口（字节）；握手之后，窗口字段里是它右移发送方缩放位数后的值（RFC 7323 第 2.3 节）")
DEMO_MSG_ENUM_(H_COLUMNS,
               "columns: the sender's values right after it sent the segment (congestion window, slow-start threshold, bytes in flight: RFC 5681; smoothed RTT, retransmission timeout: RFC 6298)",
               "列：发送方刚发出该报文段时的值（拥塞窗口、慢启动阈值、在途字节数：RFC 5681；平滑往返时间、重传超时：RFC 6298）")

/* marks on segment lines */
DEMO_MSG_ENUM_(M_LOST, "✗ lost on the link", "✗ 在链路上丢失")
DEMO_MSG_ENUM_(M_QDROP, "✗ dropped: the link queue is full", "✗ 被丢弃：链路队列已满")
DEMO_MSG_ENUM_(M_MTUDROP, "✗ dropped: larger than the link MTU", "✗ 被丢弃：超过链路 MTU")
DEMO_MSG_ENUM_(M_REXMIT, "retransmission of #{0}", "重传 #{0}")
DEMO_MSG_ENUM_(M_DUP, "a second copy made by the link", "链路复制出的第二个副本")
DEMO_MSG_ENUM_(M_LATE_COPY, "time: when this copy arrived", "时间：这个副本到达的时刻")
DEMO_MSG_ENUM_(M_REORD, "held back by the link", "被链路延后")
DEMO_MSG_ENUM_(M_CORRUPT, "corrupted on the link", "在链路上损坏")
DEMO_MSG_ENUM_(M_OLD, "the {0} already had it: dropped, and acknowledged again",
               "{0}已经收到过它：丢弃并再次确认")
DEMO_MSG_ENUM_(M_DROPPED, "the {0} dropped it: {1}", "{0}丢弃了它：{1}")

/* events */
DEMO_MSG_ENUM_(E_RTO, "{0} retransmission timer fired after {1} ms → retransmits seq={2}",
               "{0}的重传计时器在 {1} ms 后超时 → 重传 seq={2}")
DEMO_MSG_ENUM_(E_FAST, "{0} got three duplicate ACKs for {1} → fast retransmit of seq={1}",
               "{0}收到三个确认 {1} 的重复 ACK → 快速重传 seq={1}")
DEMO_MSG_ENUM_(E_GOBACK,
               "{0} resends seq={1} after the timeout (go-back-N: everything from the oldest unacknowledged byte goes again, as the window allows)",
               "{0}在超时之后重发 seq={1}（回退 N：从最早未确认的字节起全部重发，窗口允许多少就发多少）")
DEMO_MSG_ENUM_(E_PARTIAL, "{0} got a partial ACK for {1} during fast recovery → retransmits seq={1} at once",
               "{0}在快速恢复期间收到确认到 {1} 的部分确认 → 立即重传 seq={1}")
DEMO_MSG_ENUM_(E_SACK, "{0}: the SACK blocks show seq={1} lost → retransmits it",
               "{0}：SACK 块表明 seq={1} 已丢失 → 重传它")
DEMO_MSG_ENUM_(E_RACK, "{0}: segments sent after seq={1} were acknowledged a reordering window ago → RACK retransmits seq={1}",
               "{0}：在 seq={1} 之后发送的报文段早已被确认（超过乱序窗口）→ RACK 重传 seq={1}")
DEMO_MSG_ENUM_(E_TLP, "{0} tail loss probe: no ACK for about two round trips → resends seq={1} to provoke one",
               "{0}尾部丢失探测：约两个往返时间没有收到 ACK → 重发 seq={1} 以引出一个 ACK")
DEMO_MSG_ENUM_(E_PROBE_AGAIN, "{0}: the window opened → sends the window-probe byte seq={1} again, now with the data behind it",
               "{0}：窗口打开了 → 再次发送窗口探测的字节 seq={1}，这次连同后面的数据一起")
DEMO_MSG_ENUM_(E_SYN_AGAIN, "{0} got the SYN again → resends its SYN+ACK seq={1}",
               "{0}又收到了 SYN → 重发它的 SYN+ACK，seq={1}")
DEMO_MSG_ENUM_(E_PMTU, "{0}: the path MTU shrank → resends seq={1} in smaller segments",
               "{0}：路径 MTU 变小了 → 用更小的报文段重发 seq={1}")
DEMO_MSG_ENUM_(E_PROBE, "{0} persist timer fired: the peer's window is zero → 1-byte window probe",
               "{0}的坚持计时器超时：对方窗口为零 → 发送 1 字节的窗口探测")
DEMO_MSG_ENUM_(E_GIVEUP, "{0} retransmission timer fired again: retry limit reached → gives up (connection timed out) → CLOSED",
               "{0}的重传计时器再次超时：已达重试上限 → 放弃（连接超时）→ CLOSED")
DEMO_MSG_ENUM_(E_TIMEWAIT, "{0} TIME-WAIT timer expired after {1} ms (2×MSL) → CLOSED",
               "{0}的 TIME-WAIT 计时器在 {1} ms（2×MSL）后到期 → CLOSED")
DEMO_MSG_ENUM_(E_RESET, "{0} connection reset → CLOSED", "{0}的连接被重置 → CLOSED")

/* summary */
DEMO_MSG_ENUM_(S_TITLE, "summary", "总结")
DEMO_MSG_ENUM_(S_DATA_TB, "data: {0} bytes client → server, {1} bytes server → client",
               "数据：客户端 → 服务器 {0} 字节，服务器 → 客户端 {1} 字节")
DEMO_MSG_ENUM_(S_DATA_BULK, "data: {0} of {1} bytes client → server in {2} s of virtual time ({3})",
               "数据：客户端 → 服务器 {0}/{1} 字节，用时 {2} 秒虚拟时间（{3}）")
DEMO_MSG_ENUM_(S_CHECK, "checksum: FNV-1a-64 {0} sent by the {1}, {2} received by the {3}: {4}",
               "校验和：{1}发送的 FNV-1a-64 为 {0}，{3}收到的为 {2}：{4}")
DEMO_MSG_ENUM_(S_VERIFIED, "verified", "一致")
DEMO_MSG_ENUM_(S_MISMATCH, "MISMATCH", "不一致")
DEMO_MSG_ENUM_(S_INCOMPLETE, "incomplete", "不完整")
DEMO_MSG_ENUM_(S_SEGS, "segments: client → server {0}, server → client {1}; lost on the link {2}",
               "报文段：客户端 → 服务器 {0} 个，服务器 → 客户端 {1} 个；链路上丢失 {2} 个")
DEMO_MSG_ENUM_(S_REXMIT, "retransmissions: client {0}, server {1} ({2} after a timeout, {3} fast{4})",
               "重传：客户端 {0} 次，服务器 {1} 次（超时重传 {2} 次，快速重传 {3} 次{4}）")
/* the other causes in S_REXMIT's {4}, when not zero */
DEMO_MSG_ENUM_(S_C_PARTIAL, ", {0} on a partial ACK", "，部分确认重传 {0} 次")
DEMO_MSG_ENUM_(S_C_SACK, ", {0} SACK", "，SACK 重传 {0} 次")
DEMO_MSG_ENUM_(S_C_RACK, ", {0} RACK", "，RACK 重传 {0} 次")
DEMO_MSG_ENUM_(S_C_TLP, ", {0} tail loss probe", "，尾部丢失探测 {0} 次")
DEMO_MSG_ENUM_(S_C_PROBE, ", {0} window-probe byte", "，窗口探测字节重发 {0} 次")
DEMO_MSG_ENUM_(S_C_SYN, ", {0} SYN", "，SYN 重传 {0} 次")
DEMO_MSG_ENUM_(S_C_PMTU, ", {0} after the path MTU shrank", "，路径 MTU 变小后重传 {0} 次")
DEMO_MSG_ENUM_(S_LINK, "the link also duplicated {0}, reordered {1} and corrupted {2} segments",
               "链路还复制了 {0} 个、重排了 {1} 个、损坏了 {2} 个报文段")
DEMO_MSG_ENUM_(S_TIME, "virtual time: handshake done at {0} ms, last segment sent at {1} ms",
               "虚拟时间：握手完成于 {0} ms，最后一个报文段发出于 {1} ms")
DEMO_MSG_ENUM_(S_OK, "result: OK: every byte arrived intact and both ends closed the connection",
               "结果：成功：所有字节完整到达，双方都关闭了连接")
DEMO_MSG_ENUM_(S_FAIL, "result: FAILED: {0}", "结果：失败：{0}")
DEMO_MSG_ENUM_(F_TIMEOUT, "the {0} gave up after repeated retransmissions (connection timed out)",
               "{0}多次重传后放弃（连接超时）")
DEMO_MSG_ENUM_(F_RESET, "the connection was reset", "连接被重置")
DEMO_MSG_ENUM_(F_INCOMPLETE, "the transfer did not complete ({0} of {1} bytes arrived)",
               "传输未完成（{1} 字节中只到达 {0} 字节）")
DEMO_MSG_ENUM_(F_MISMATCH, "the data arrived damaged (the checksums differ)", "数据已损坏（校验和不一致）")
DEMO_MSG_ENUM_(F_NOTCLOSED, "the connection did not close", "连接没有正常关闭")
DEMO_MSG_ENUM_(F_TIMECAP, "stopped after {0} s of virtual time", "虚拟时间 {0} 秒后停止")
DEMO_MSG_ENUM_(P_PROGRESS, "transfer: {0}/{1} bytes ({2}%)  virtual time {3} s  retransmissions {4}",
               "传输：{0}/{1} 字节（{2}%）  虚拟时间 {3} 秒  重传 {4} 次")

/* explanations */
DEMO_MSG_ENUM_(X_SYN,
               "The {0} opens the connection: its SYN carries its initial sequence number (ISN) {1}, and the SYN itself uses up that number, so the {0}'s first data byte will be {2}.",
               "{0}发起连接：SYN 携带它的初始序列号（ISN）{1}，而 SYN 本身就占用这个序列号，所以{0}的第一个数据字节编号为 {2}。")
DEMO_MSG_ENUM_(X_SYNACK,
               "The {0} accepts with its own SYN, ISN {1}; ack={2} acknowledges the {3}'s SYN: the next byte the {0} expects is {2}.",
               "{0}用自己的 SYN 应答，ISN 为 {1}；ack={2} 确认了{3}的 SYN：{0}期待的下一个字节是 {2}。")
DEMO_MSG_ENUM_(X_MSS,
               "MSS {0} (maximum segment size): the {1} accepts at most {0} data bytes per segment, so the {2} will never send it a larger one.",
               "MSS {0}（最大报文段长度）：{1}每个报文段最多接收 {0} 字节数据，所以{2}发给它的报文段不会更大。")
DEMO_MSG_ENUM_(X_WIN,
               "win={0} is the {1}'s receive window: how many bytes it can accept beyond the ones it acknowledges.",
               "win={0} 是{1}的接收窗口：在已确认的字节之后，它还能接收多少字节。")
DEMO_MSG_ENUM_(X_WSCALE,
               "wscale {0}: after the handshake, the {1}'s window field counts in units of 2^{0} bytes (RFC 7323).",
               "wscale {0}：握手之后，{1}的窗口字段以 2^{0} 字节为单位（RFC 7323）。")
DEMO_MSG_ENUM_(X_WIN_EDGE,
               "win={0}: the {1} keeps the right edge of its window at {2} rather than moving it by a few bytes, which avoids the silly window syndrome.",
               "win={0}：{1}让窗口右边界保持在 {2}，而不是每次只移动几个字节，以避免糊涂窗口综合征。")
DEMO_MSG_ENUM_(X_SACKOK,
               "sackOK: the {0} can take SACK blocks, so the {1} may tell it exactly which bytes arrived out of order (RFC 2018).",
               "sackOK：{0}能够接收 SACK 块，所以{1}可以确切地告诉它哪些字节是乱序到达的（RFC 2018）。")
DEMO_MSG_ENUM_(X_TS_SYN,
               "TS val {0} ecr {1}: timestamps (RFC 7323). TSval is the {2}'s timestamp clock; the other end echoes the latest one in TSecr, so each ACK gives the {2} a round-trip-time sample (RTTM), and PAWS recognises an old duplicate segment by its older TSval.",
               "TS val {0} ecr {1}：时间戳（RFC 7323）。TSval 是{2}的时间戳时钟；对端在 TSecr 中回显最近收到的值，于是每个 ACK 都给{2}一个往返时间样本（RTTM），PAWS 也能凭更旧的 TSval 认出旧的重复报文段。")
DEMO_MSG_ENUM_(X_TS_ECHO,
               "ecr={0} echoes a TSval the {1} sent: the {1} takes its clock now minus {0} as a round-trip-time sample (RTTM, RFC 7323 §4).",
               "ecr={0} 回显了{1}发出的一个 TSval：{1}用它现在的时钟减去 {0}，得到一个往返时间样本（RTTM，RFC 7323 第 4 节）。")
DEMO_MSG_ENUM_(X_SACK,
               "SACK {{0}:{1}}: the {2} holds bytes {0} to {3}, received out of order, but not all the bytes before them; the ACK still names {4}, the first byte missing, so only the hole needs resending.",
               "SACK {{0}:{1}}：{2}已经乱序收到字节 {0} 到 {3}，但它们之前的字节没有收全；ACK 仍然是 {4}（第一个缺失的字节），所以只需重发空缺部分。")
DEMO_MSG_ENUM_(X_SACK_MORE,
               "The other {0} SACK block(s) repeat ranges reported before, in case those ACKs were lost.",
               "其余 {0} 个 SACK 块重复先前报告过的范围，以防那些 ACK 丢失。")
DEMO_MSG_ENUM_(X_DSACK,
               "D-SACK {{0}:{1}}: a first block below the ACK, or inside the second block, reports a duplicate: the {2} received bytes {0} to {3} twice (RFC 2883), so the {4} can tell that a retransmission was unnecessary.",
               "D-SACK {{0}:{1}}：位于确认号之下、或包含在第二个块之内的第一个块报告的是重复数据：{2}两次收到了字节 {0} 到 {3}（RFC 2883），{4}由此可知某次重传是不必要的。")
DEMO_MSG_ENUM_(X_PAWS,
               "PAWS (RFC 7323 §5): its TSval {0} is older than a timestamp the {1} already accepted on this connection, so the segment is taken for an old duplicate: dropped, and answered with an ACK.",
               "PAWS（RFC 7323 第 5 节）：它的 TSval {0} 比{1}在这个连接上已经接受过的时间戳更旧，所以被当作旧的重复报文段：丢弃，并回复一个 ACK。")
DEMO_MSG_ENUM_(X_ACK_SYN, "ack={0} acknowledges the {1}'s SYN: the next byte the {2} expects is {0}.",
               "ack={0} 确认了{1}的 SYN：{2}期待的下一个字节是 {0}。")
DEMO_MSG_ENUM_(X_PURE_ACK,
               "A pure ACK carries no data and uses no sequence number: seq={0} is just the next byte the {1} will send.",
               "纯 ACK 不携带数据，也不占用序列号：seq={0} 只是{1}将要发送的下一个字节编号。")
DEMO_MSG_ENUM_(X_HANDSHAKE, "The three-way handshake is complete: both ends are ESTABLISHED and may send data.",
               "三次握手完成：双方都进入 ESTABLISHED 状态，可以发送数据了。")
DEMO_MSG_ENUM_(X_DATA, "The {0} sends {1} bytes, numbered {2} to {3}; its next new byte will be {4}.",
               "{0}发送 {1} 字节，编号从 {2} 到 {3}；它的下一个新字节编号为 {4}。")
DEMO_MSG_ENUM_(X_DATA_TEXT,
               "The {0} sends {1} bytes ({5}), numbered {2} to {3}; its next new byte will be {4}.",
               "{0}发送 {1} 字节（{5}），编号从 {2} 到 {3}；它的下一个新字节编号为 {4}。")
DEMO_MSG_ENUM_(X_PSH, "PSH asks the receiver to hand the data to its application at once.",
               "PSH 标志请求接收方立即把数据交给应用程序。")
DEMO_MSG_ENUM_(X_ACK_DATA, "ack={0} acknowledges {1} new bytes: the {2} has received everything up to byte {3}.",
               "ack={0} 确认了 {1} 个新字节：{2}已经收到了第 {3} 字节及之前的全部数据。")
DEMO_MSG_ENUM_(X_PIGGYBACK,
               "The ACK rides on the data (piggybacking): the {0} delayed its ACK, its application answered meanwhile, and one segment does both jobs.",
               "确认搭载在数据上（捎带确认）：{0}推迟了确认，它的应用程序在此期间作出了回应，于是一个报文段同时完成两件事。")
DEMO_MSG_ENUM_(X_DELACK,
               "The {0} waited for its delayed-ACK timer ({1} ms) in case it had data to send with the ACK; it had none, so it sends a pure ACK (delayed ACK: RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2: less than 0.5 s, and at least every second full-sized segment acknowledged).",
               "{0}先等待延迟确认计时器（{1} ms），看能否把确认和数据一起发送；没有数据可发，于是发送一个纯 ACK（延迟确认：RFC 9293 第 3.8.6.3 节、RFC 1122 第 4.2.3.2 节：不超过 0.5 秒，且至少每两个满长报文段确认一次）。")
DEMO_MSG_ENUM_(X_SACKC,
               "SACK compression: after three duplicate ACKs, enough for the {2} to start its recovery, the {0} held back the ACKs of the next {1} out-of-order segment(s) and reports them all in this one, a moment later (as Linux does; RFC 5681 §4.2 asks for one per segment).",
               "SACK 压缩：三个重复 ACK 已足以让{2}开始恢复，之后{0}暂缓确认接下来的 {1} 个乱序报文段，稍后在这一个 ACK 中一并报告（Linux 也这样做；RFC 5681 第 4.2 节要求每个报文段一个）。")
DEMO_MSG_ENUM_(X_PUSHACK,
               "The {0}'s application read everything, and the data ended with PSH, the end of one of the {1}'s writes: no second segment is coming to trigger the ACK, so the {0} sends it now rather than when its delayed-ACK timer ({2} ms) fires (as Linux does; RFC 1122 §4.2.3.2 bounds how long an ACK may wait, not how soon it may go).",
               "{0}的应用程序已读完全部数据，而且数据以 PSH 结尾，即{1}一次写入的结尾：不会再有第二个报文段来触发确认，于是{0}立即发送 ACK，而不等延迟确认计时器（{2} ms）到期（Linux 也这样做；RFC 1122 第 4.2.3.2 节限制的是 ACK 最多能等多久，而不是最早何时发送）。")
DEMO_MSG_ENUM_(X_QUICKACK,
               "Quick ACK: the {0} acknowledges this segment at once, not waiting for a second one or for its delayed-ACK timer. At a connection's first data, and after a segment it already had, a receiver like Linux's ACKs each of the next arrivals at once (here at most 15, and no more than half its window holds segments), so that ACKs waiting at the receiver do not hold back the {1}'s slow start (RFC 1122 §4.2.3.2 and RFC 5681 §4.2 bound how long an ACK may wait, not how soon it may go).",
               "快速确认：{0}立即确认这个报文段，既不等第二个报文段，也不等延迟确认计时器。在连接收到第一批数据时，以及收到一个已经有过的报文段之后，像 Linux 那样的接收方会立即确认接下来到达的每个报文段（这里最多 15 个，且不超过其窗口一半所能容纳的报文段数），这样在接收方等待的 ACK 就不会拖慢{1}的慢启动（RFC 1122 第 4.2.3.2 节和 RFC 5681 第 4.2 节限制的是 ACK 最多能等多久，而不是最早何时发送）。")
DEMO_MSG_ENUM_(X_QUICKACK_AGAIN, "Another quick ACK from the {0} (quick-ACK mode, explained above).",
               "{0}的又一个快速确认（快速确认模式，见上文）。")
DEMO_MSG_ENUM_(X_FIN_ACTIVE,
               "The {0}'s application closes: the FIN takes sequence number {1}, like one byte of data, so that it can be acknowledged; the {0} can still receive.",
               "{0}的应用程序关闭连接：FIN 像一个数据字节一样占用序列号 {1}，这样它才能被确认；{0}仍然可以接收数据。")
DEMO_MSG_ENUM_(X_FIN_PASSIVE,
               "The {0}'s application has read the end of the stream and closes too: its FIN takes sequence number {1}, and the {0} waits in LAST-ACK for the final ACK.",
               "{0}的应用程序读到了数据流的结尾，也关闭连接：它的 FIN 占用序列号 {1}，{0}在 LAST-ACK 状态等待最后一个 ACK。")
DEMO_MSG_ENUM_(X_ACK_FIN, "ack={0} acknowledges the {1}'s FIN ({2} + 1).", "ack={0} 确认了{1}的 FIN（{2} + 1）。")
DEMO_MSG_ENUM_(X_CLOSE_WAIT,
               "The {0} is in CLOSE-WAIT: its application learns that the {1} has finished sending, and it may still send before it closes.",
               "{0}进入 CLOSE-WAIT：它的应用程序得知{1}已经发送完毕，在关闭之前它仍可以继续发送。")
DEMO_MSG_ENUM_(X_FIN_WAIT_2, "The {0} is in FIN-WAIT-2: its own direction is closed, and it waits for the {1}'s FIN.",
               "{0}进入 FIN-WAIT-2：它自己这个方向已经关闭，正在等待{1}的 FIN。")
DEMO_MSG_ENUM_(X_TIME_WAIT,
               "The {0} enters TIME-WAIT for 2×MSL ({1} s here): if this last ACK is lost, the {2} resends its FIN and the {0} can still answer; old duplicate segments die out meanwhile.",
               "{0}进入 TIME-WAIT，等待 2×MSL（这里为 {1} 秒）：如果这最后一个 ACK 丢失，{2}会重发 FIN，而{0}仍能应答；同时网络中残留的旧报文段也会消失。")
DEMO_MSG_ENUM_(X_CLOSED, "The {0} got the ACK of its FIN: the connection is CLOSED on its side.",
               "{0}收到了对其 FIN 的确认：它这一端的连接已经关闭（CLOSED）。")
DEMO_MSG_ENUM_(X_FOURWAY, "Each direction was closed by its own FIN and ACK: the four-way close.",
               "两个方向各由一个 FIN 和一个 ACK 关闭：这就是四次挥手。")
DEMO_MSG_ENUM_(X_REXMIT,
               "A retransmission: the same sequence numbers as segment #{0}, sent again because no ACK came back in time; each timeout doubles the next one (exponential backoff).",
               "这是一次重传：与 #{0} 号报文段的序列号相同，因为没有及时收到确认而再次发送；每次超时后，下一次的超时时间加倍（指数退避）。")
DEMO_MSG_ENUM_(X_REXMIT_FAST,
               "A fast retransmission: duplicate ACKs showed that segment #{0} was lost, so it is resent without waiting for the timer.",
               "这是一次快速重传：重复 ACK 表明 #{0} 号报文段已丢失，于是不等计时器超时就重发。")
DEMO_MSG_ENUM_(X_REXMIT_GOBACK,
               "A retransmission of segment #{0} after the timeout: the timer resent only the oldest segment; as ACKs open the window again, the {1} resends everything after it (go-back-N), because a cumulative ACK cannot tell which of those segments arrived.",
               "这是超时之后对 #{0} 号报文段的重传：计时器只重发了最早的报文段；随着 ACK 重新打开窗口，{1}把它之后的报文段全部重发（回退 N），因为累积确认无法说明其中哪些已经到达。")
DEMO_MSG_ENUM_(X_REXMIT_PARTIAL,
               "A retransmission of segment #{0} on a partial ACK: the ACK of the fast retransmission did not cover everything sent before it, so the next hole is resent at once, without waiting for three more duplicate ACKs (NewReno, RFC 6582).",
               "这是部分确认引起的对 #{0} 号报文段的重传：对快速重传的确认没有覆盖此前发出的全部数据，所以下一个空缺立即重发，不必再等三个重复 ACK（NewReno，RFC 6582）。")
DEMO_MSG_ENUM_(X_REXMIT_SACK,
               "A retransmission of segment #{0}: SACK blocks report data above it received, so it is taken as lost (RFC 6675).",
               "这是对 #{0} 号报文段的重传：SACK 块报告它之后的数据已经收到，所以认为它已丢失（RFC 6675）。")
DEMO_MSG_ENUM_(X_REXMIT_RACK,
               "A retransmission of segment #{0}: a segment sent after it was acknowledged more than a reordering window ago, so it is taken as lost (RACK, RFC 8985).",
               "这是对 #{0} 号报文段的重传：比它晚发送的报文段早已被确认（超过一个乱序窗口），所以认为它已丢失（RACK，RFC 8985）。")
DEMO_MSG_ENUM_(X_REXMIT_TLP,
               "A tail loss probe: segment #{0} goes again so that the receiver's answer shows whether the last segments were lost (RFC 8985 §7).",
               "尾部丢失探测：再次发送 #{0} 号报文段，让接收方的回应表明最后几个报文段是否丢失（RFC 8985 第 7 节）。")
DEMO_MSG_ENUM_(X_REXMIT_PROBE,
               "Its first byte repeats the window probe #{0}, which the {1} could not take while its window was zero.",
               "它的第一个字节重复了窗口探测 #{0}，{1}在窗口为零时无法接收那个字节。")
DEMO_MSG_ENUM_(X_REXMIT_SYN,
               "The SYN+ACK of #{0} again: the peer's SYN came again, so the first SYN+ACK may have been lost.",
               "再次发送 #{0} 的 SYN+ACK：对方的 SYN 又来了，说明第一个 SYN+ACK 可能已经丢失。")
DEMO_MSG_ENUM_(X_REXMIT_PMTU,
               "A retransmission of segment #{0} in smaller pieces: an ICMP message said the path cannot carry packets that large (RFC 1191).",
               "这是把 #{0} 号报文段拆小后的重传：一个 ICMP 报文说明这条路径无法承载那么大的包（RFC 1191）。")
DEMO_MSG_ENUM_(X_LOST,
               "The network lost this segment: the {0} never sees it, and the {1} sends it again when its retransmission timer expires.",
               "网络丢失了这个报文段：{0}根本收不到它，{1}要等重传计时器超时后再发送一次。")
DEMO_MSG_ENUM_(X_LOST_DATA,
               "The network lost this segment: the {0} never sees it, and the {1} sends it again when its retransmission timer expires or after three duplicate ACKs.",
               "网络丢失了这个报文段：{0}根本收不到它，{1}会在重传计时器超时或收到三个重复 ACK 后再发送一次。")
DEMO_MSG_ENUM_(X_LOST_ACK,
               "The network lost this ACK; ACKs are cumulative, so a later one (or a retransmission it provokes) makes up for it.",
               "网络丢失了这个 ACK；确认是累积的，所以后面的 ACK（或由此引发的重传）会弥补它。")
DEMO_MSG_ENUM_(X_OOO,
               "It arrives out of order: bytes before {0} are missing, so the {1} keeps it aside and repeats its ACK for {0}.",
               "它乱序到达：{0} 之前的字节还没到，所以{1}先把它存起来，并再次确认 {0}。")
DEMO_MSG_ENUM_(X_FILL, "It fills the gap: the {0} also delivers the {1} bytes it had kept aside and now expects byte {2}.",
               "它填补了空缺：{0}把先前存起来的 {1} 字节一起交付，现在期待字节 {2}。")
DEMO_MSG_ENUM_(X_DUP_DATA,
               "The {0} had already received this (an ACK was lost or late): it discards the copy and acknowledges again.",
               "{0}之前已经收到过这些内容（ACK 丢失或来迟了）：它丢弃这个副本并再次确认。")
DEMO_MSG_ENUM_(X_TW_RESTART, "In TIME-WAIT this also restarts the 2×MSL timer.",
               "在 TIME-WAIT 状态下，这还会重新启动 2×MSL 计时器。")
DEMO_MSG_ENUM_(X_DUP_ACK,
               "A duplicate ACK: ack={0} again, because the {1} still misses byte {0}; three in a row make the {2} retransmit at once (fast retransmit).",
               "重复 ACK：再次确认 {0}，因为{1}仍缺少字节 {0}；连续三个会让{2}立即重传（快速重传）。")
DEMO_MSG_ENUM_(X_CUM_ACK, "ack={0}: the {1} has received everything before byte {0}.",
               "ack={0}：{1}已经收到字节 {0} 之前的全部数据。")
DEMO_MSG_ENUM_(X_CORRUPT,
               "A bit flipped on the link: the checksum no longer matches, so the {0} discards the segment as if it were lost.",
               "链路上翻转了一个比特：校验和不再匹配，所以{0}丢弃这个报文段，就像它丢失了一样。")
DEMO_MSG_ENUM_(X_DUPCOPY, "The link delivered this segment twice; TCP recognises the copy by its sequence numbers.",
               "链路把这个报文段投递了两次；TCP 通过序列号识别出重复的副本。")
DEMO_MSG_ENUM_(X_RST, "RST: the {0} aborts the connection; nobody answers a reset.",
               "RST：{0}中止连接；复位报文段不需要应答。")
DEMO_MSG_ENUM_(X_RST_STRAY,
               "RST: the {0} has no connection this segment belongs to (its own is closed), so it answers with a reset (RFC 9293 §3.10.7.1 and §3.10.7.2; §3.5.2: a segment that belongs to no connection gets a reset) and the {1} forgets the connection; nobody answers a reset.",
               "RST：{0}没有这个报文段所属的连接（它自己的连接已经关闭），所以用复位报文段回应（RFC 9293 第 3.10.7.1 和 3.10.7.2 节；第 3.5.2 节：不属于任何连接的报文段会得到复位），{1}随之忘掉这个连接；复位报文段不需要应答。")
DEMO_MSG_ENUM_(X_RTO_MIN,
               "Why {0} ms for a round trip of about {1} ms: RTO = SRTT + 4·RTTVAR, but never less than 1 s (RFC 6298 §2.4), the minimum synack demo keeps (the stack's own default is 200 ms, like Linux, as RFC 8961 allows); each further timeout doubles it (§5.5).",
               "为什么往返只要约 {1} ms 却等了 {0} ms：RTO = SRTT + 4·RTTVAR，但不小于 1 秒（RFC 6298 第 2.4 节），synack 演示保留了这个下限（协议栈自己的默认值是 200 ms，与 Linux 相同，RFC 8961 允许）；之后每次超时都会加倍（第 5.5 节）。")
DEMO_MSG_ENUM_(X_RTO_INITIAL,
               "Why {0} ms when the link's round trip is {1} ms: with no round-trip sample yet, the RTO starts at 1 s (RFC 6298 §2.1), and it is never less than 1 s (§2.4), the minimum synack demo keeps (the stack's own default is 200 ms, like Linux, as RFC 8961 allows); each further timeout doubles it (§5.5).",
               "为什么链路往返只要 {1} ms 却等了 {0} ms：还没有往返时间样本时，RTO 从 1 秒开始（RFC 6298 第 2.1 节），并且不小于 1 秒（第 2.4 节），synack 演示保留了这个下限（协议栈自己的默认值是 200 ms，与 Linux 相同，RFC 8961 允许）；之后每次超时都会加倍（第 5.5 节）。")
DEMO_MSG_ENUM_(X_IW,
               "Before any ACK the {0} may send {1} bytes: its initial congestion window (RFC 6928: min(10·SMSS, max(2·SMSS, 14600 bytes)), SMSS {2}: the data a full segment carries); each ACK then grows it (slow start, RFC 5681 §3.1), doubling it every round trip.",
               "在收到任何 ACK 之前，{0}最多可以发送 {1} 字节：这是它的初始拥塞窗口（RFC 6928：min(10·SMSS, max(2·SMSS, 14600 字节))，SMSS 为 {2}：一个满长报文段携带的数据量）；之后每个 ACK 都让它增长（慢启动，RFC 5681 第 3.1 节），每个往返加倍。")
DEMO_MSG_ENUM_(X_PROBE, "A window probe: one byte past a zero window, to learn when the {0} has room again.",
               "窗口探测：在零窗口之外发送一个字节，以便得知{0}何时又有空间。")
