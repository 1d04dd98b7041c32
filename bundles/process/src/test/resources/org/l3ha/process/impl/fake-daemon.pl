#!/usr/bin/perl
# Fake daemon for the process manager's tests (perl-base is part of every Debian system).
#
#   perl fake-daemon.pl <uuid> <pidfile> <logfile> [term-ignore]
#
# Behaves like radvd or haproxy: the process started forks, writes the child's pid to <pidfile>
# (temp file + rename) and exits; the child detaches, keeps <uuid> in its command line and runs
# until killed. It appends to <logfile>: "start <PROCESS_TAG>" once, "hup" per SIGHUP, "term" per
# SIGTERM, after which it exits, unless term-ignore is given (then only SIGKILL stops it).
use strict;
use warnings;
use POSIX ();

my ($uuid, $pidfile, $log, $mode) = @ARGV;
die "usage: fake-daemon.pl uuid pidfile logfile [term-ignore]\n" unless defined $log;
$mode = '' unless defined $mode;

sub note {
    my ($line) = @_;
    open(my $f, '>>', $log) or return;
    print $f "$line\n";
    close($f);
}

# Handlers before the fork, so that the child never runs without them.
$SIG{HUP} = sub { note('hup') };
$SIG{TERM} = sub { note('term'); exit 0 unless $mode eq 'term-ignore' };

my $pid = fork();
die "fork: $!\n" unless defined $pid;
if ($pid) {
    open(my $f, '>', "$pidfile.tmp") or die "cannot write $pidfile.tmp: $!\n";
    print $f "$pid\n";
    close($f) or die "cannot write $pidfile.tmp: $!\n";
    rename("$pidfile.tmp", $pidfile) or die "cannot rename to $pidfile: $!\n";
    exit 0;
}
POSIX::setsid();
open(STDIN, '<', '/dev/null');
open(STDOUT, '>', '/dev/null');
open(STDERR, '>', '/dev/null');
note('start ' . (defined $ENV{PROCESS_TAG} ? $ENV{PROCESS_TAG} : ''));
sleep 3600 while 1;
