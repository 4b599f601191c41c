CREATE TABLE t781 (id bigint PRIMARY KEY, name text NOT NULL);
