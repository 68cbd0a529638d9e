#!/usr/bin/perl
# Mail::DKIM (libmail-dkim-perl) for test/interop/dkim.test.ts: the same JSON protocol as
# ../py/dkim_driver.py. DNS is a resolver object answering from the records given, put in
# place with Mail::DKIM::DNS::resolver. Mail::DKIM 1.20230212 has no Ed25519.
use strict;
use warnings;
use JSON::PP;
use MIME::Base64;
use Net::DNS;
use Mail::DKIM::DNS;
use Mail::DKIM::Verifier;
use Mail::DKIM::Signer;
use Mail::DKIM::PrivateKey;

package FakeResolver;
sub new { my ($class, $records) = @_; return bless { records => $records }, $class }
sub errorstring { 'NOERROR' }
sub send {
    my ($self, $name, $type) = @_;
    my $key = lc($name); $key =~ s/\.?$/./;
    my $p = Net::DNS::Packet->new($name, $type);
    my $txt = $self->{records}{$key};
    if (defined $txt) {
        my @chunks = unpack('(A255)*', $txt);
        $p->push(answer => Net::DNS::RR->new(name => $name, type => 'TXT', ttl => 300, txtdata => [@chunks]));
    } else {
        $p->header->rcode('NXDOMAIN');
    }
    return $p;
}

package main;
local $/;
my $req = decode_json(<STDIN>);
my %records;
while (my ($k, $v) = each %{ $req->{records} }) { my $n = lc $k; $n =~ s/\.?$/./; $records{$n} = $v }
Mail::DKIM::DNS::resolver(FakeResolver->new(\%records));

my @out;
for my $job (@{ $req->{jobs} }) {
    my $msg = decode_base64($job->{msg});
    if ($job->{op} eq 'verify') {
        my $v = Mail::DKIM::Verifier->new();
        eval { $v->PRINT($msg); $v->CLOSE; 1 } or do { push @out, { ok => JSON::PP::false, error => "$@" }; next };
        my $ok = $v->result eq 'pass';
        push @out, { ok => $ok ? JSON::PP::true : JSON::PP::false, error => $v->result_detail };
    } else {
        my $key = Mail::DKIM::PrivateKey->load(Data => $job->{key});
        my $s = Mail::DKIM::Signer->new(
            Algorithm => $job->{alg}, Method => $job->{canon}, Domain => $job->{domain},
            Selector => $job->{selector}, Key => $key,
        );
        $s->PRINT($msg);
        $s->CLOSE;
        my $sig = $s->signature->as_string;
        push @out, { msg => encode_base64("$sig\r\n$msg", '') };
    }
}
print encode_json(\@out);
