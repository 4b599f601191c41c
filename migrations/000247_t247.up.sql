CREATE TABLE t247 (id bigint PRIMARY KEY, name text NOT NULL);
