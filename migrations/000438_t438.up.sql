CREATE TABLE t438 (id bigint PRIMARY KEY, name text NOT NULL);
