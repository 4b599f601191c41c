CREATE TABLE t565 (id bigint PRIMARY KEY, name text NOT NULL);
