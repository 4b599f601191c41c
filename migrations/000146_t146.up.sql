CREATE TABLE t146 (id bigint PRIMARY KEY, name text NOT NULL);
