#!/usr/bin/perl
# STAND-IN for testcontainers/ryuk (tests only; see ryuk.Dockerfile). Speaks Ryuk's protocol as testcontainers
# clients use it (github.com/testcontainers/moby-ryuk, reaper.go):
#   - listen on RYUK_PORT (8080); every line a client sends is a filter such as
#     `label=org.testcontainers.session-id=<id>` (several joined by `&` must all match); each is answered `ACK\n`;
#   - once the last client has gone and none came back within RYUK_RECONNECTION_TIMEOUT (10s), or none came at all
#     within RYUK_CONNECTION_TIMEOUT (60s), remove the containers (forced, with their volumes), then the networks,
#     volumes and images matching any filter, retrying up to RYUK_REMOVE_RETRIES (10) rounds a second apart while
#     something is left; then exit. Ryuk's own containers (label org.testcontainers.ryuk=true) are never removed.
# Not reproduced: Ryuk's shutdown timeout and its verbose logging.
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;

$| = 1;

sub seconds {
    my ($value, $default) = @_;
    return $default unless defined $value && $value =~ /^(\d+(?:\.\d+)?)(ms|s|m)$/;
    return $1 * ($2 eq 'ms' ? 0.001 : $2 eq 'm' ? 60 : 1);
}

my $port = $ENV{RYUK_PORT} || 8080;
my $reconnect = seconds($ENV{RYUK_RECONNECTION_TIMEOUT}, 10);
my $first = seconds($ENV{RYUK_CONNECTION_TIMEOUT}, 60);
my $retries = $ENV{RYUK_REMOVE_RETRIES} || 10;

my $server = IO::Socket::INET->new(LocalPort => $port, Listen => 16, ReuseAddr => 1) or die "listen on $port: $!";
print "Started! (labkit's Ryuk stand-in) address=:$port\n";
my $select = IO::Select->new($server);
my (%buffer, %filters);
my ($clients, $seen) = (0, 0);

sub add_filter {
    my ($fh, $line) = @_;
    $line =~ s/\r$//;
    return unless length $line;
    $filters{$line} = 1;
    print "adding filter $line\n";
    syswrite($fh, "ACK\n") if $fh;
}

while (1) {
    my $timeout = $clients ? undef : ($seen ? $reconnect : $first);
    my @ready = $select->can_read($timeout);
    last if !@ready && !$clients;
    for my $fh (@ready) {
        if ($fh == $server) {
            $select->add($server->accept);
            $clients++;
            $seen = 1;
            print "client connected ($clients)\n";
            next;
        }
        my $n = sysread($fh, my $chunk, 4096);
        if (!$n) {  # the client is gone: a last line without a newline still counts ("one-off" use)
            add_filter(undef, $buffer{$fh}) if defined $buffer{$fh};
            delete $buffer{$fh};
            $select->remove($fh);
            close $fh;
            $clients--;
            print "client disconnected ($clients left)\n";
            next;
        }
        $buffer{$fh} .= $chunk;
        add_filter($fh, $1) while $buffer{$fh} =~ s/^([^\n]*)\n//;
    }
}

sub ids {
    my @command = @_;
    open(my $out, '-|', 'docker', @command) or return ();
    my @found = grep { length } map { chomp; $_ } <$out>;
    close $out;
    return @found;
}

print "reaping: no client for ${reconnect}s\n";
my %own = map { $_ => 1 } ids(qw(ps -aq --no-trunc --filter label=org.testcontainers.ryuk=true));
my @kinds = (
    ['container', [qw(ps -aq --no-trunc)], [qw(rm -f -v)]],
    ['network', [qw(network ls -q --no-trunc)], [qw(network rm)]],
    ['volume', [qw(volume ls -q)], [qw(volume rm -f)]],
    ['image', [qw(image ls -q --no-trunc)], [qw(image rm)]],
);
my %removed;
for my $round (1 .. $retries) {
    my $left = 0;
    for my $kind (@kinds) {
        my ($name, $list, $remove) = @$kind;
        for my $filter (sort keys %filters) {
            my @args = map { ('--filter', $_) } split /&/, $filter;
            my @found = grep { !$own{$_} } ids(@$list, @args);
            for my $id (@found) {
                if (system('docker', @$remove, $id) == 0) { $removed{$name}++ } else { $left++ }
            }
        }
    }
    last unless $left;
    print "round $round: $left object(s) could not be removed yet; retrying\n";
    sleep 1;
}
printf "Removed %d container(s), %d network(s), %d volume(s), %d image(s)\n",
    map { $removed{$_} || 0 } qw(container network volume image);
