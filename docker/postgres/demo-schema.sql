-- The demo's schema, used as is by the embedded demo (./demo.sh) and by docker-compose (docker-entrypoint-initdb.d).
create table if not exists public.users (
  id serial primary key,
  name varchar(100) not null,
  email varchar(200) unique,
  status varchar(20) default 'active',
  created_at timestamp default now()
);
create table if not exists public.devices (
  id varchar(64) primary key,
  owner_id integer references public.users(id),
  site varchar(50),
  firmware varchar(20),
  last_seen timestamp
);
insert into public.users (name, email) values ('Ada', 'ada@example.com'), ('Grace', 'grace@example.com')
  on conflict do nothing;
-- Change data capture (Debezium, config/cdc-postgres.json) then carries whole rows in an update's "before" and in a
-- delete, so the notify sink can match subscription filters against them.
alter table public.users replica identity full;
alter table public.devices replica identity full;
