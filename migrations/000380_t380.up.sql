CREATE TABLE t380 (id bigint PRIMARY KEY, name text NOT NULL);
