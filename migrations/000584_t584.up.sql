CREATE TABLE t584 (id bigint PRIMARY KEY, name text NOT NULL);
