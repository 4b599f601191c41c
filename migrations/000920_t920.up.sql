CREATE TABLE t920 (id bigint PRIMARY KEY, name text NOT NULL);
