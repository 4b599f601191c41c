CREATE TABLE t884 (id bigint PRIMARY KEY, name text NOT NULL);
