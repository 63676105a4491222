// node-redis 4 (Debian's node-redis) against the server under test (CAIRN_TEST_PORT): the
// commands of each family through the client's own typed API, its SCAN iterator, MULTI,
// WATCH on an isolated connection, Pub/Sub on a duplicate, blocking pops, scripts and
// functions. Prints one line per step, "name JSON", for test_applications.py to compare.
const { createClient } = require('redis');

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function connected(client) {
  client.on('error', e => console.log('client error', e.message));
  await client.connect();
  return client;
}

async function strings(c, log) {
  log('set', await c.set('a', '1', { EX: 100, NX: true }));
  log('get', await c.get('a'));
  log('ttl', await c.ttl('a'));
  log('multi', await c.multi().incr('n').incrBy('n', 5).get('n').exec());
  for (let i = 0; i < 50; i++) await c.set('k' + i, 'v');
  const keys = [];
  for await (const k of c.scanIterator({ MATCH: 'k*', COUNT: 10 })) keys.push(k);
  log('scan', keys.length);
  log('bitcount', [await c.setBit('bits', 7, 1), await c.bitCount('bits')]);
  log('pf', [await c.pfAdd('hll', ['a', 'b', 'c']), await c.pfCount('hll')]);
}

async function collections(c, log) {
  log('hset', await c.hSet('h', { f1: 'v1', f2: 'v2' }));
  log('hgetall', await c.hGetAll('h'));
  log('object', await c.objectEncoding('h'));
  log('zadd', await c.zAdd('z', [{ score: 1, value: 'a' }, { score: 2, value: 'b' }]));
  log('zrange', await c.zRangeWithScores('z', 0, -1));
  log('sort', await c.sort('z', { BY: 'nosort' }));
  await c.geoAdd('geo', { longitude: 13.36, latitude: 38.11, member: 'P' });
  log('geopos', await c.geoPos('geo', 'P'));
  log('geosearch', await c.geoSearch('geo', { longitude: 13.4, latitude: 38.1 },
                                     { radius: 10, unit: 'km' }));
  log('dump', (await c.dump(c.commandOptions({ returnBuffers: true }), 'h')).length);
}

async function streams(c, log) {
  log('xadd', typeof await c.xAdd('s', '*', { f: 'v' }));
  await c.xGroupCreate('s', 'g', '0');
  const read = await c.xReadGroup('g', 'c1', { key: 's', id: '>' }, { COUNT: 10 });
  log('xreadgroup', read[0].messages.length);
  log('xpending', (await c.xPending('s', 'g')).pending);
  log('xinfo', Object.keys(await c.xInfoStream('s')).sort());
}

async function connections(c, log) {
  const sub = await connected(c.duplicate());
  const got = [];
  await sub.subscribe('ch', m => got.push(m));
  await sub.pSubscribe('p*', m => got.push('p:' + m));
  await c.publish('ch', 'hello');
  await c.publish('px', 'world');
  for (let waited = 0; got.length < 2 && waited < 5000; waited += 10) await sleep(10);
  log('pubsub', got.sort());
  log('pubsub numsub', await c.pubSubNumSub('ch'));
  const blocked = await connected(c.duplicate());
  const pop = blocked.blPop('bl', 5);
  await sleep(50);
  await c.rPush('bl', 'x');
  log('blpop', await pop);
  log('watch', await c.executeIsolated(async isolated => {
    await isolated.watch('w');
    await c.set('w', '1');
    return isolated.multi().get('w').exec().catch(e => e.constructor.name);
  }));
  log('client list', (await c.sendCommand(['CLIENT', 'LIST'])).includes('cmd='));
  await sub.quit();
  await blocked.quit();
}

async function scripts(c, log) {
  log('eval', await c.eval("return {KEYS[1], ARGV[1], redis.call('incr', KEYS[1])}",
                           { keys: ['cnt'], arguments: ['x'] }));
  const sha = await c.scriptLoad("return redis.call('get', KEYS[1])");
  log('evalsha', await c.evalSha(sha, { keys: ['a'] }));
  log('fn', await c.functionLoad(
      "#!lua name=lib\nredis.register_function('f', function(k, a) return a[1] end)",
      { REPLACE: true }));
  log('fcall', await c.fCall('f', { keys: [], arguments: ['hi'] }));
}

(async () => {
  const c = await connected(createClient({ url: `redis://127.0.0.1:${process.env.CAIRN_TEST_PORT}` }));
  await c.flushAll();
  const log = (name, value) => console.log(name + ' ' + JSON.stringify(value));
  for (const step of [strings, collections, streams, connections, scripts]) await step(c, log);
  await c.quit();
})().catch(e => { console.log('FATAL', e); process.exit(1); });
