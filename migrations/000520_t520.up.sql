CREATE TABLE t520 (id bigint PRIMARY KEY, name text NOT NULL);
