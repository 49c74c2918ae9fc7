"""A small bot written with python3-irc (Debian), used to check that a third-party IRC library
works against chat. It joins a channel, greets, answers "ping?" with "pong!", reports what it
sees on stdout, and quits when told "bye bot"."""
import sys
import time

import irc.client

port, nick, channel = int(sys.argv[1]), sys.argv[2], sys.argv[3]
deadline = time.time() + 20


def say(*parts):
    print(*parts, flush=True)


def on_welcome(conn, event):
    say("WELCOME", conn.get_nickname())
    conn.join(channel)


def on_nicknameinuse(conn, event):
    say("NICKINUSE", event.arguments[0])
    conn.nick(conn.get_nickname() + "_")


def on_join(conn, event):
    if event.source.nick == conn.get_nickname():
        say("JOINED", event.target)
        conn.privmsg(channel, "hello from python")


def on_namreply(conn, event):
    say("NAMES", event.arguments[2])


def on_pubmsg(conn, event):
    text = event.arguments[0]
    say("PUBMSG", event.source.nick, text)
    if text == "ping?":
        conn.privmsg(channel, "pong!")
    if text == "bye bot":
        conn.quit("bot done")


def on_privmsg(conn, event):
    say("PRIVMSG", event.source.nick, event.arguments[0])
    conn.privmsg(event.source.nick, "got your secret")


def on_disconnect(conn, event):
    say("DISCONNECTED")
    sys.exit(0)


# python3-irc 8.x (Debian 12) calls the reactor IRC; newer releases call it Reactor.
Reactor = getattr(irc.client, "Reactor", None) or irc.client.IRC
reactor = Reactor()
server = reactor.server()
for name, handler in [
    ("welcome", on_welcome),
    ("nicknameinuse", on_nicknameinuse),
    ("join", on_join),
    ("namreply", on_namreply),
    ("pubmsg", on_pubmsg),
    ("privmsg", on_privmsg),
    ("disconnect", on_disconnect),
]:
    server.add_global_handler(name, handler)
server.connect("127.0.0.1", port, nick, ircname="Python Bot")
while time.time() < deadline:
    reactor.process_once(timeout=0.2)
say("TIMEOUT")
sys.exit(1)
