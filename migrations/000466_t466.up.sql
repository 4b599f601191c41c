CREATE TABLE t466 (id bigint PRIMARY KEY, name text NOT NULL);
