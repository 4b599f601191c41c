CREATE TABLE t551 (id bigint PRIMARY KEY, name text NOT NULL);
