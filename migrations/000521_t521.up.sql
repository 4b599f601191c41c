CREATE TABLE t521 (id bigint PRIMARY KEY, name text NOT NULL);
