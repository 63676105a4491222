# A Sidekiq client and a Sidekiq process against the server under test (CAIRN_TEST_PORT):
# jobs pushed one by one, in bulk and for later (the scheduler moves them with a Lua script),
# and one that fails into the retry set, is retried by hand as from Sidekiq's web page, fails
# into it again and is killed into the dead set. Prints what a Sidekiq user looks at, one fact per line.
require "sidekiq"
require "sidekiq/api"

REDIS_URL = "redis://127.0.0.1:#{ENV.fetch('CAIRN_TEST_PORT')}/0"
Sidekiq.configure_server { |config| config.redis = { url: REDIS_URL } }
Sidekiq.configure_client { |config| config.redis = { url: REDIS_URL } }
Sidekiq.options[:poll_interval_average] = 1  # the scheduler polls about once a second

class AddJob
  include Sidekiq::Job
  def perform(a, b)
    Sidekiq.redis { |r| r.rpush("results", a + b) }
  end
end

class FailJob
  include Sidekiq::Job
  sidekiq_options retry: 1
  def perform
    Sidekiq.redis { |r| r.incr("fails") }
    raise "boom"
  end
end

return if ENV["SIDEKIQ_WORKER"]  # the sidekiq process loads this file for the job classes

def results = Sidekiq.redis { |r| r.lrange("results", 0, -1) }.map(&:to_i).sort
def fails = Sidekiq.redis { |r| r.get("fails") }.to_i

def wait_for(what)
  deadline = Time.now + 40  # two waits stay within the test's 150 s
  sleep 0.05 until yield || Time.now > deadline
  puts "timed out waiting for #{what}" unless yield
end

Sidekiq.redis(&:flushdb)
10.times { |i| AddJob.perform_async(i, i) }
AddJob.perform_in(1, 100, 1)
AddJob.perform_bulk([[1000, 1], [2000, 2]])
FailJob.perform_async
puts "enqueued #{Sidekiq::Queue.new.size} scheduled #{Sidekiq::ScheduledSet.new.size}"

worker = spawn({ "SIDEKIQ_WORKER" => "1" }, "sidekiq", "-r", File.expand_path(__FILE__),
               "-c", "3", out: File::NULL, err: ENV.fetch("SIDEKIQ_LOG", File::NULL))
begin
  wait_for("the jobs") { results.size == 13 && Sidekiq::RetrySet.new.size == 1 }
  puts "results #{results.inspect}"
  puts "fails #{fails} retrying #{Sidekiq::RetrySet.new.size}"
  Sidekiq::RetrySet.new.first.retry  # retry_all would loop while the job fails fast
  wait_for("the retry") { fails == 2 && Sidekiq::RetrySet.new.size == 1 }
  Sidekiq::RetrySet.new.kill_all
  puts "fails #{fails} dead #{Sidekiq::DeadSet.new.size} retrying #{Sidekiq::RetrySet.new.size}"
  puts "processes #{Sidekiq::ProcessSet.new.size} queues #{Sidekiq::Queue.all.map(&:name).inspect}"
ensure
  Process.kill("TERM", worker)
  Process.wait(worker)
end
# The process counts its jobs in memory and adds them to Redis as it exits.
stats = Sidekiq::Stats.new
puts "processed #{stats.processed} failed #{stats.failed} processes #{Sidekiq::ProcessSet.new.size}"
